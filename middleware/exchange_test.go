package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

const exchangeCount = "token:urn:ietf:params:oauth:grant-type:token-exchange"

// exchangeAPIs are API A, which calls API B on its caller's behalf through
// an exchange client, and API B, which answers "sub aud scope" of the token
// it got.
type exchangeAPIs struct {
	op *oidctest.Server
	a  *httptest.Server
}

func newExchangeAPIs(t *testing.T, c outbound.ExchangeConfig) *exchangeAPIs {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	verifier := func(aud string) *verify.Verifier {
		v, err := verify.NewVerifier(verify.Config{Audiences: []string{aud}}, p)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	b := httptest.NewServer(bearer.Protect(verifier("api-b"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		fmt.Fprintf(w, "%s %s %s", tok.Subject, strings.Join(tok.Audience, ","), strings.Join(tok.Scopes, ","))
	})))
	t.Cleanup(b.Close)
	c.TokenURL, c.ClientID, c.ClientSecret = op.URL+"/token", op.ClientID, op.ClientSecret
	if c.Audience == "" {
		c.Audience = "api-b"
	}
	client := ccMust(outbound.NewExchange(c))
	a := httptest.NewServer(bearer.Protect(verifier("api-a"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", b.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})))
	t.Cleanup(a.Close)
	return &exchangeAPIs{op: op, a: a}
}

// call calls API A with the caller's token.
func (x *exchangeAPIs) call(t *testing.T, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", x.a.URL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestExchangeClient: API A calls API B as its caller with a token
// exchanged for one restricted to B; one exchange per caller's token, even
// for concurrent requests.
func TestExchangeClient(t *testing.T) {
	x := newExchangeAPIs(t, outbound.ExchangeConfig{Scopes: []string{"read"}})
	alice := x.op.AccessToken("alice", "api-a", "read", "write")
	for range 3 {
		if code, body := x.call(t, alice); code != 200 || body != "alice api-b read" {
			t.Fatalf("%d %q", code, body)
		}
	}
	if n := x.op.Count(exchangeCount); n != 1 {
		t.Fatalf("%d exchanges for one caller's token, want 1", n)
	}
	bob := x.op.AccessToken("bob", "api-a", "read")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, body := x.call(t, bob); code != 200 || body != "bob api-b read" {
				t.Errorf("%d %q", code, body)
			}
		})
	}
	wg.Wait()
	if n := x.op.Count(exchangeCount); n != 2 {
		t.Fatalf("%d exchanges after 20 concurrent calls for a second caller, want 2", n)
	}
}

// TestExchangeCacheBound: with room for two callers, a third evicts the one
// seen least recently (here also the one whose token expires first); the
// others are still served from the cache.
func TestExchangeCacheBound(t *testing.T) {
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
	}{{soon, 1}, {later, 2}, {latest, 3}, {later, 3}, {latest, 3}, {soon, 4}} {
		if code, body := x.call(t, c.token); code != 200 {
			t.Fatalf("call %d: %d %q", i, code, body)
		}
		if n := x.op.Count(exchangeCount); n != c.exchanges {
			t.Fatalf("after call %d: %d exchanges, want %d", i, n, c.exchanges)
		}
	}
}

// TestAttackExchangeWithoutCallerToken: a request whose context holds no
// verified token is refused before any token request.
func TestAttackExchangeWithoutCallerToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	client := ccMust(outbound.NewExchange(outbound.ExchangeConfig{TokenURL: op.URL + "/token",
		ClientID: op.ClientID, ClientSecret: op.ClientSecret, Audience: "api-b"}))
	_, err := client.Get(op.URL + "/userinfo")
	if !errors.Is(err, bearer.ErrNoToken) || op.Count("token") != 0 {
		t.Fatalf("%v, %d token requests", err, op.Count("token"))
	}
}

// TestAttackProviderEchoesSubjectToken: a provider error quoting the
// caller's token does not carry it into the error (and so into logs).
func TestAttackProviderEchoesSubjectToken(t *testing.T) {
	x := newExchangeAPIs(t, outbound.ExchangeConfig{})
	alice := x.op.AccessToken("alice", "api-a")
	x.op.Set(func(b *oidctest.Behavior) {
		b.TokenStatus = 400
		b.TokenBody = `{"error":"invalid_grant","error_description":"` + alice + ` is not acceptable"}`
	})
	code, body := x.call(t, alice)
	// Descriptions are capped at 256 characters: any part of the token
	// would be a leak.
	if code != http.StatusBadGateway || strings.Contains(body, alice[:32]) || !strings.Contains(body, "invalid_grant") {
		t.Fatalf("%d %q", code, body)
	}
}

func TestExchangeConfigValidation(t *testing.T) {
	for name, c := range map[string]outbound.ExchangeConfig{
		"no audience":   {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s"},
		"no secret":     {TokenURL: "https://op.example/token", ClientID: "a", Audience: "b"},
		"http endpoint": {TokenURL: "http://op.example/token", ClientID: "a", ClientSecret: "s", Audience: "b"},
	} {
		if _, err := outbound.NewExchange(c); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
