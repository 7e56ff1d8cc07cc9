package middleware_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Expiry quirks of real providers: an absurd expires_in (nanoseconds), none,
// or a misspelled expire_in with a string value. A JWT access token's exp
// then sets the session's renewal; an opaque one falls back to the stated
// expire_in or DefaultTokenLifetime, never to decades.
func TestExpiresInQuirks(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	const jwtLife = 20 * time.Minute
	for _, tc := range []struct {
		name string
		b    oidctest.Behavior
		life time.Duration
	}{
		{"ExpiresInNanoseconds JWT", oidctest.Behavior{ExpiresInNanoseconds: true, AccessTokenTTL: jwtLife}, jwtLife},
		{"ExpiresInNanoseconds opaque", oidctest.Behavior{ExpiresInNanoseconds: true, OpaqueAccessTokens: true, AccessTokenTTL: jwtLife}, time.Hour},
		{"OmitExpiresIn JWT", oidctest.Behavior{OmitExpiresIn: true, AccessTokenTTL: jwtLife}, jwtLife},
		{"OmitExpiresIn opaque", oidctest.Behavior{OmitExpiresIn: true, OpaqueAccessTokens: true, AccessTokenTTL: jwtLife}, time.Hour},
		{"MisspelledExpiresIn JWT", oidctest.Behavior{MisspelledExpiresIn: true, AccessTokenTTL: jwtLife}, jwtLife},
		{"MisspelledExpiresIn opaque", oidctest.Behavior{MisspelledExpiresIn: true, OpaqueAccessTokens: true, AccessTokenTTL: jwtLife}, jwtLife},
		{"JWT exp earlier than expires_in", oidctest.Behavior{ExpiresInNanoseconds: true, AccessTokenTTL: 2 * time.Minute}, 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = tc.b })
			b := newBrowser(t)
			if resp := b.login(a, "alice"); resp.StatusCode != 302 {
				t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
			}
			s := sessionOf(t, a, b)
			// exp has whole seconds: a second either way.
			if got := s.Expiry.Sub(s.Issued); got < tc.life-2*time.Second || got > tc.life+time.Second {
				t.Errorf("session lifetime %v, want %v", got, tc.life)
			}
		})
	}
}
