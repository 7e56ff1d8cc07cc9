package middleware_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// refreshWithIDTokenClaims signs alice in, makes her access token due for
// refresh, has the provider's refreshed ID token carry claims, and returns
// the status of /me and the session's claims as /me shows them.
func refreshWithIDTokenClaims(t *testing.T, claims map[string]any) (int, map[string]any) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	a.clock.advance(20 * time.Second) // due for refresh, still valid
	op.Set(func(bh *oidctest.Behavior) { bh.IDTokenClaims = claims })
	if code, _ := b.me(a); code != 200 && code != 401 {
		t.Fatalf("/me after the refresh: %d", code)
	}
	if n := op.Count("token:refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	return b.me(a)
}

// TestAttackRefreshedIDTokenForAnotherSubject: a refresh answering an ID
// token for another user (OpenID Connect Core §12.2: its sub must be the
// session's) ends the session instead of signing the browser in as that
// user.
func TestAttackRefreshedIDTokenForAnotherSubject(t *testing.T) {
	if code, claims := refreshWithIDTokenClaims(t, map[string]any{"sub": "mallory"}); code != 401 {
		t.Errorf("refreshed ID token for mallory: /me %d %v, want the session ended", code, claims)
	}
}

// TestAttackRefreshedIDTokenWrongAtHash: a refreshed ID token whose at_hash
// does not match the access token of the same response (a substituted
// access token, Core §3.2.2.9) ends the session.
func TestAttackRefreshedIDTokenWrongAtHash(t *testing.T) {
	if code, claims := refreshWithIDTokenClaims(t, map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}); code != 401 {
		t.Errorf("refreshed ID token with a wrong at_hash: /me %d %v, want the session ended", code, claims)
	}
}

// TestRefreshedIDTokenUpdatesClaims: the control of the two attacks: a
// refreshed ID token of the same subject with a matching at_hash is taken,
// and its claims replace the session's.
func TestRefreshedIDTokenUpdatesClaims(t *testing.T) {
	code, claims := refreshWithIDTokenClaims(t, map[string]any{"email": "alice@new.example.test"})
	if code != 200 || claims["sub"] != "alice" || claims["email"] != "alice@new.example.test" {
		t.Errorf("after a good refresh: /me %d %v", code, claims)
	}
}

// TestAttackRefreshAnswersAnotherTokenType: a refresh answered with an
// access token that is not a bearer token (a DPoP-bound one, which this
// session cannot present) ends the session instead of storing a token the
// APIs will refuse.
func TestAttackRefreshAnswersAnotherTokenType(t *testing.T) {
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	a.clock.advance(20 * time.Second)
	op.Set(func(bh *oidctest.Behavior) {
		bh.TokenBody = `{"access_token":"bound","token_type":"DPoP","expires_in":3600,"refresh_token":"r2"}`
	})
	b.me(a)
	if code, claims := b.me(a); code != 401 {
		t.Errorf("a refresh answering token_type DPoP: /me %d %v, want the session ended", code, claims)
	}
}
