package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// A refresh the provider refuses (invalid_grant) ends the session: the user
// is sent to log in again, once, with no loop and no 5xx.
func TestRefreshRefusedEndsSession(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	a.clock.advance(20 * time.Second)                                              // due for refresh
	op.Set(func(bh *oidctest.Behavior) { bh.TokenStatus = http.StatusBadRequest }) // invalid_grant-like refusal
	resp, _ := b.get(a.srv.URL+"/me", "text/html")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/login?return_to=%2Fme" {
		t.Fatalf("refused refresh: %d %q, want a redirect into login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("the session survived a refused refresh: %d", code)
	}
	op.Set(func(bh *oidctest.Behavior) { *bh = oidctest.Behavior{} })
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("logging in again: %d", resp.StatusCode)
	}
	if code, _ := b.me(a); code != 200 {
		t.Errorf("after logging in again: %d", code)
	}
}

// The provider down during a refresh of a token that still works: the
// request goes on with the current token.
func TestRefreshProviderDownKeepsValidToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	a.clock.advance(20 * time.Second) // due for refresh, still valid
	op.Set(func(bh *oidctest.Behavior) { bh.TokenStatus = http.StatusServiceUnavailable })
	if code, _ := b.me(a); code != 200 {
		t.Errorf("provider down, token still valid: %d", code)
	}
}

// Rotation: each refresh returns a new refresh token, which is saved before
// use; the old one is never sent again (the provider would revoke the grant).
func TestRefreshRotationSaved(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	for i := range 3 {
		// Each round starts from an access token due for refresh.
		a.clock.advance(20 * time.Second)
		req, _ := http.NewRequest("GET", a.srv.URL+"/token", nil)
		resp, tok := b.do(req)
		if resp.StatusCode != 200 || tok == "" {
			t.Fatalf("round %d: %d (%v)", i, resp.StatusCode, a.lastErr())
		}
	}
	if n := op.Count("token:refresh_token"); n != 3 {
		t.Errorf("%d refreshes, want 3", n)
	}
	if code, _ := b.me(a); code != 200 {
		t.Errorf("session after 3 rotations: %d (grant revoked by a reused refresh token?)", code)
	}
	u, _ := url.Parse(a.srv.URL)
	if len(b.jar.Cookies(u)) == 0 {
		t.Error("no session cookie")
	}
}

// AfterRefresh sees the refreshed session before it is saved, and can
// refuse it (the session then ends).
func TestAfterRefreshHook(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	var calls atomic.Int64
	refuse := atomic.Bool{}
	a := newApp(t, op, func(c *login.Config) {
		c.AfterRefresh = func(_ context.Context, s *session.Session) error {
			calls.Add(1)
			if refuse.Load() {
				return errors.New("account disabled")
			}
			s.Extra = map[string]string{"refreshed": "yes"}
			return nil
		}
	})
	b := newBrowser(t)
	b.login(a, "alice")
	a.clock.advance(20 * time.Second)
	if code, _ := b.me(a); code != 200 || calls.Load() != 1 || sessionOf(t, a, b).Extra["refreshed"] != "yes" {
		t.Fatalf("after a refresh: /me %d, hook called %d times", code, calls.Load())
	}
	refuse.Store(true)
	a.clock.advance(20 * time.Second)
	if code, _ := b.me(a); code != 401 {
		t.Errorf("a refresh the hook refused: /me %d, want the session ended", code)
	}
}
