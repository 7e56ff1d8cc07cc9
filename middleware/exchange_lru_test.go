package middleware_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestExchangeCacheEvictsLeastRecentCaller fills the exchange cache past its
// bound of two callers: the caller seen least recently goes, even when
// another's token expires sooner, and a caller in use keeps its exchanged
// token.
func TestExchangeCacheEvictsLeastRecentCaller(t *testing.T) {
	x := newExchangeAPIs(t, outbound.ExchangeConfig{CacheSize: 2})
	token := func(sub string, life time.Duration) string {
		now := time.Now()
		return x.op.Sign(oidctest.Token{Header: map[string]any{"typ": "at+jwt"}, Claims: map[string]any{
			"iss": x.op.Issuer(), "sub": sub, "aud": "api-a", "scope": "read",
			"exp": now.Add(life).Unix(), "iat": now.Unix()}})
	}
	soon, later, latest := token("alice", time.Hour), token("bob", 2*time.Hour), token("carol", 3*time.Hour)
	for i, c := range []struct {
		token     string
		exchanges int
	}{
		{soon, 1}, {later, 2}, {soon, 2}, // alice is now the most recent
		{latest, 3}, // full: bob, least recent, goes
		{soon, 3}, {latest, 3}, {later, 4},
	} {
		if code, body := x.call(t, c.token); code != 200 {
			t.Fatalf("call %d: %d %q", i, code, body)
		}
		if n := x.op.Count(exchangeCount); n != c.exchanges {
			t.Fatalf("after call %d: %d exchanges, want %d", i, n, c.exchanges)
		}
	}
}
