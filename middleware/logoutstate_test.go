package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// logoutReturn logs alice in, logs her out and follows the provider's
// end_session (which demands a state, as Glewlwyd does) back to the app: it
// returns the URL the browser comes back to.
func logoutReturn(t *testing.T, a *app, b *browser) *url.URL {
	t.Helper()
	b.login(a, "alice")
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	resp, _ := b.do(req)
	end := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || mustQuery(t, end).Get("state") == "" {
		t.Fatalf("logout: %d %q, want end_session with a state", resp.StatusCode, end)
	}
	resp, _ = b.get(end, "text/html")
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Query().Get("state") != mustQuery(t, end).Get("state") {
		t.Fatalf("end_session: %d %q, want the app with the state", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back
}

// afterLogout runs the LoggedOut page for u with b's cookies.
func afterLogout(a *app, b *browser, u string) (int, bool) {
	req := httptest.NewRequest("GET", u, nil)
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	ran := false
	w := httptest.NewRecorder()
	a.auth.LoggedOut(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true })).ServeHTTP(w, req)
	b.jar.SetCookies(req.URL, w.Result().Cookies())
	return w.Code, ran
}

// RP-initiated logout sends a one-time state, bound to the browser, and
// LoggedOut checks it on return: a provider that returns the browser only
// with a state (Glewlwyd) does, the right browser passes once, a replay,
// another browser, a forged state and a login's state are refused.
func TestLogoutStateRoundTrip(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.LogoutRequiresState = true })
	a := newApp(t, op)
	b := newBrowser(t)
	back := logoutReturn(t, a, b)
	if code, ran := afterLogout(a, newBrowser(t), back.String()); code != 400 || ran || !errors.Is(a.lastErr(), login.ErrLoginState) {
		t.Errorf("another browser: %d, page ran %v", code, ran)
	}
	if code, ran := afterLogout(a, b, setParam(t, back.String(), "state", "forged")); code != 400 || ran {
		t.Errorf("forged state: %d, page ran %v", code, ran)
	}
	if code, ran := afterLogout(a, b, back.String()); code != 200 || !ran {
		t.Fatalf("the logout's own return: %d, page ran %v (%v)", code, ran, a.lastErr())
	}
	if code, ran := afterLogout(a, b, back.String()); code != 400 || ran {
		t.Errorf("the return replayed: %d, page ran %v", code, ran)
	}
	if code, ran := afterLogout(a, newBrowser(t), a.srv.URL+"/"); code != 200 || !ran {
		t.Errorf("the page without state: %d, page ran %v", code, ran)
	}
}

// The state of a pending login is not a logout's: LoggedOut refuses it
// (and the Callback refuses a logout's, whose flow names no provider).
func TestAttackLogoutStateFromLogin(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	st := mustQuery(t, b.startLogin(a, "")).Get("state")
	if code, ran := afterLogout(a, b, a.srv.URL+"/?state="+url.QueryEscape(st)); code != 400 || ran {
		t.Errorf("a login's state at LoggedOut: %d, page ran %v", code, ran)
	}
	back := logoutReturn(t, a, b)
	if resp, _ := b.get(a.srv.URL+"/callback?code=x&state="+url.QueryEscape(back.Query().Get("state")), "text/html"); resp.StatusCode != 400 {
		t.Errorf("a logout's state at the Callback: %d", resp.StatusCode)
	}
}
