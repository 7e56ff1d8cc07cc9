package middleware_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// tryAgain is the href of an error page's "Try again" link.
func tryAgain(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]*)">Try again</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no Try again link: %s", body)
	}
	return html.UnescapeString(m[1])
}

// The user presses Cancel at the provider (access_denied): the page says
// so with the provider's description, the log line has its error and
// description, and "Try again" restarts the login toward the page the user
// wanted, where a completed login lands.
func TestErrorPageCancelTryAgainKeepsReturnTo(t *testing.T) {
	logs := &lockedBuffer{}
	a, _ := appAt(t, logs, nil)
	b := newBrowser(t)
	cb := callbackURL(t, a, "", b.startLogin(a, "/me?tab=2")) // "": the user declines
	resp, body := b.get(cb, "text/html")
	page := html.UnescapeString(body)
	if resp.StatusCode != 403 || !strings.Contains(page, "<code>access_denied</code>") ||
		!strings.Contains(page, "The sign-in was cancelled, or refused at the identity provider. It said: “the user declined”.") {
		t.Fatalf("cancelled login: %d %s", resp.StatusCode, page)
	}
	if log := logs.String(); !strings.Contains(log, `error=\"access_denied\" error_description=\"the user declined\"`) {
		t.Errorf("the log line lacks the provider's error:\n%s", log)
	}
	retry := tryAgain(t, body)
	if retry != "/login?return_to="+url.QueryEscape("/me?tab=2") {
		t.Fatalf("Try again leads to %q", retry)
	}
	resp, _ = b.get(a.srv.URL+retry, "text/html")
	resp, _ = b.get(callbackURL(t, a, "alice", resp.Header.Get("Location")), "text/html")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/me?tab=2" {
		t.Errorf("login through Try again: %d %q (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
}

// An error page whose login is unknown (no flow) leads back to the login
// path; a login that began without return_to too.
func TestErrorPageTryAgainWithoutReturnTo(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	_, body := b.get(a.srv.URL+"/callback?state=unknown&code=x", "text/html")
	if got := tryAgain(t, body); got != "/login" {
		t.Errorf("unknown flow: Try again leads to %q", got)
	}
	_, body = b.get(callbackURL(t, a, "", b.startLogin(a, "")), "text/html")
	if got := tryAgain(t, body); got != "/login" {
		t.Errorf("login without return_to: Try again leads to %q", got)
	}
}

// A provider's description is capped: 200 characters on the page, 256 in
// the log.
func TestErrorPageProviderDescriptionCapped(t *testing.T) {
	logs := &lockedBuffer{}
	a, _ := appAt(t, logs, nil)
	b := newBrowser(t)
	state := mustQuery(t, b.startLogin(a, "")).Get("state")
	q := url.Values{"state": {state}, "error": {"server_error"}, "error_description": {strings.Repeat("x", 5000)}}
	_, body := b.get(a.srv.URL+"/callback?"+q.Encode(), "text/html")
	if !strings.Contains(body, strings.Repeat("x", 200)) || strings.Contains(body, strings.Repeat("x", 201)) {
		t.Errorf("description not capped at 200: %d x", strings.Count(body, "x"))
	}
	if log := logs.String(); !strings.Contains(log, strings.Repeat("x", 256)) || strings.Contains(log, strings.Repeat("x", 257)) {
		t.Errorf("description not capped at 256 in the log: %d x", strings.Count(log, "x"))
	}
}

// Opening the callback URL again once signed in (the Back button, a
// reload) goes on to "/" instead of an error page, and the code is not
// presented to the provider again.
func TestCallbackAgainWhenSignedInGoesOn(t *testing.T) {
	logs := &lockedBuffer{}
	a, _ := appAt(t, logs, nil)
	b := newBrowser(t)
	cb := callbackURL(t, a, "alice", b.startLogin(a, "/me"))
	if resp, _ := b.get(cb, "text/html"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/me" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for range 2 {
		if resp, body := b.get(cb, "text/html"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Errorf("callback again: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	if n := a.op.Count("token:authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
	if code, claims := b.me(a); code != 200 || claims["sub"] != "alice" {
		t.Errorf("still signed in: /me %d %v", code, claims)
	}
	if !strings.Contains(logs.String(), "callback opened again by a signed-in browser") {
		t.Errorf("not logged:\n%s", logs)
	}
	// Signed out, the same URL is an error page again.
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	b.do(req)
	if resp, _ := b.get(cb, "text/html"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback again after logout: %d, want 400", resp.StatusCode)
	}
}

// A protected page that fails (here the provider is down when the expired
// access token needs a refresh) offers to load the same page again.
func TestErrorPageTryAgainReloadsProtectedPage(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	a.clock.advance(40 * time.Second) // expired
	op.Set(func(bh *oidctest.Behavior) { bh.TokenStatus = http.StatusServiceUnavailable })
	resp, body := b.get(a.srv.URL+"/me?tab=2", "text/html")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/me: %d %s", resp.StatusCode, body)
	}
	if got := tryAgain(t, body); got != "/me?tab=2" {
		t.Errorf("Try again leads to %q, want the page again", got)
	}
}
