package middleware_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// When a browser session refreshes, and which refresh results are shared:
// one app on the cookie store, the test provider, an injected clock.

// 10 s access tokens, one request a second for a minute: the 1-minute
// RefreshMargin is capped at half the token's lifetime, so each token is
// used for 5 s and refreshed once (12 refreshes, not 60), and the handler
// never gets an expired token.
func TestRefreshMarginCappedForShortTokens(t *testing.T) {
	op := rotatingOP(t)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 10 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	for i := range 60 {
		a.clock.advance(time.Second)
		if resp, _ := b.get(a.srv.URL+"/token", ""); resp.StatusCode != 200 {
			t.Fatalf("second %d: %d", i, resp.StatusCode)
		}
		if s := sessionOf(t, a, b); !a.clock.Now().Before(s.Expiry) {
			t.Fatalf("second %d: the session's token expired at %v", i, s.Expiry)
		}
	}
	if n := op.Count("token:refresh_token"); n < 11 || n > 13 {
		t.Errorf("%d refreshes for 60 requests over 60 s of 10 s tokens, want about 12 (one per token)", n)
	}
	checkNoneLost(t, op, -1)
}

// A session saved before the token's issue time was recorded (no "ait")
// still loads; its lifetime being unknown, the whole margin applies once,
// and the refresh records it.
func TestRefreshOldSessionWithoutIssueTime(t *testing.T) {
	op := rotatingOP(t)
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	s := sessionOf(t, a, b)
	if s.Issued.IsZero() {
		t.Fatal("a login does not record the token's issue time")
	}
	s.Issued = time.Time{} // as saved by an earlier version
	u, _ := url.Parse(a.srv.URL)
	r := httptest.NewRequest("GET", a.srv.URL+"/", nil)
	for _, c := range b.jar.Cookies(u) {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	if err := a.sessions.Save(w, r, s); err != nil {
		t.Fatal(err)
	}
	b.jar.SetCookies(u, w.Result().Cookies())
	if code, _ := b.me(a); code != 200 {
		t.Fatalf("the old session: %d", code)
	}
	if n := op.Count("token:refresh_token"); n != 1 {
		t.Errorf("%d refreshes of a 30 s token with an unknown lifetime, want 1 (the whole 1-minute margin)", n)
	}
	if sessionOf(t, a, b).Issued.IsZero() {
		t.Error("the refresh did not record the issue time")
	}
	if code, _ := b.me(a); code != 200 || op.Count("token:refresh_token") != 1 {
		t.Errorf("the next request: %d, %d refreshes", code, op.Count("token:refresh_token"))
	}
}

// A provider that keeps the refresh token (no rotation): each expiry gets
// its refresh, and no request is handed an earlier expiry's result (the
// old code kept handing out the first result for two minutes, so
// refreshing stopped). The finished result is not shared: only requests
// presenting a rotated-out refresh token need it.
func TestNonRotatingProviderRefreshesEveryExpiry(t *testing.T) {
	op := rotatingOP(t)
	op.Set(func(b *oidctest.Behavior) { b.DisableRefreshRotation = true })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	seen := map[string]bool{sessionOf(t, a, b).AccessToken: true}
	for round := 1; round <= 8; round++ {
		a.clock.advance(20 * time.Second)
		resp, tok := b.get(a.srv.URL+"/token", "")
		if resp.StatusCode != 200 || seen[tok] {
			t.Fatalf("expiry %d: %d, an earlier token %v", round, resp.StatusCode, seen[tok])
		}
		seen[tok] = true
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if resp, got := b.get(a.srv.URL+"/token", ""); resp.StatusCode != 200 || got != tok {
					t.Errorf("expiry %d, the same browser again: %d, the refreshed token %v", round, resp.StatusCode, got == tok)
				}
			})
		}
		wg.Wait()
		if n := op.Count("token:refresh_token"); n != round {
			t.Fatalf("after %d expiries: %d refreshes", round, n)
		}
	}
}

// A tab that kept the cookie from before a rotation is handed the refresh's
// result while it is fresh; once that result is due itself, the tab gets a
// new refresh made with the successor token, never the stale result and
// never a rotated-out token at the provider.
func TestRefreshGraceServesOnlyFreshResults(t *testing.T) {
	op := rotatingOP(t)
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	u, _ := url.Parse(a.srv.URL)
	old := newBrowser(t) // the other tab, whose cookie is never updated
	old.jar, _ = cookiejar.New(nil)
	old.jar.SetCookies(u, b.jar.Cookies(u))
	old.c.Jar = nil
	stale := func() (int, string) {
		req, _ := http.NewRequest("GET", a.srv.URL+"/token", nil)
		for _, c := range old.jar.Cookies(u) {
			req.AddCookie(c)
		}
		resp, tok := old.do(req)
		return resp.StatusCode, tok
	}
	a.clock.advance(20 * time.Second)
	_, t1 := b.get(a.srv.URL+"/token", "")
	if code, tok := stale(); code != 200 || tok != t1 {
		t.Errorf("the old tab within the grace: %d, the refreshed token %v", code, tok == t1)
	}
	a.clock.advance(20 * time.Second) // t1 is due now
	code, t2 := stale()
	if code != 200 || t2 == t1 {
		t.Errorf("the old tab once the shared result is due: %d, a new token %v", code, t2 != t1)
	}
	if _, tok := b.get(a.srv.URL+"/token", ""); tok != t2 {
		t.Error("the current tab did not get the successor's refresh")
	}
	checkNoneLost(t, op, 2)
}
