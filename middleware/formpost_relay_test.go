package middleware_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// relayStep posts params cross-site to the callback and returns the URL of
// the relay step it redirects to, checking the redirect's shape.
func relayStep(t *testing.T, a *app, b *browser, params url.Values) *url.URL {
	t.Helper()
	resp := postCallbackOnly(b, a, params)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form-post callback: %d (%v), want 303 to the relay step", resp.StatusCode, a.lastErr())
	}
	next, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// The provider's cross-site POST is answered with a 303 to the callback URL
// itself, carrying only the relay flow's state: the code, the state and the
// rest of the response stay out of the URL, in a new flow cookie that is
// SameSite=Lax (a same-site step needs no more), Secure, HttpOnly and
// __Host- prefixed; the provider's flow cookie is deleted.
func TestFormPostRelayStep(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	resp := postCallbackOnly(b, a, params)
	next, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("form-post callback: %d %v (%v)", resp.StatusCode, err, a.lastErr())
	}
	want, _ := url.Parse(a.srv.URL + "/callback")
	q := next.Query()
	if next.Scheme != want.Scheme || next.Host != want.Host || next.Path != want.Path || len(q) != 1 || len(q.Get("relay")) < 43 {
		t.Errorf("relay step %s: want %s?relay=<state>", next, want)
	}
	for _, v := range []string{params.Get("code"), params.Get("state")} {
		if strings.Contains(next.String(), v) {
			t.Errorf("the relay URL %s carries %q", next, v)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var set, deleted int
	for _, c := range resp.Cookies() {
		if !strings.Contains(c.Name, "_flow_") {
			t.Errorf("the POST sets cookie %s", c.Name)
			continue
		}
		if c.MaxAge < 0 {
			deleted++
			continue
		}
		set++
		if c.SameSite == http.SameSiteNoneMode || !c.Secure || !c.HttpOnly || !strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("relay cookie %s: SameSite %v, Secure %v, HttpOnly %v", c.Name, c.SameSite, c.Secure, c.HttpOnly)
		}
	}
	if set != 1 || deleted != 1 {
		t.Errorf("the POST sets %d flow cookies and deletes %d, want 1 and 1: %q", set, deleted, resp.Header.Values("Set-Cookie"))
	}
	req, _ := http.NewRequest("GET", next.String(), nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/me" {
		t.Fatalf("relay step: %d %q (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Errorf("/me %d %v", code, c)
	}
}

// The relay step is used once and only in the browser it was set in: opened
// again by the signed-in browser it goes on to / and exchanges no code; in
// another browser it is refused and signs nobody in.
func TestAttackFormPostRelayReplay(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	next := relayStep(t, a, b, formPostLogin(t, a, b))
	if resp, _ := b.get(next.String(), "text/html"); resp.StatusCode != http.StatusFound {
		t.Fatalf("relay step: %d (%v)", resp.StatusCode, a.lastErr())
	}
	exchanges := a.op.Count("token:authorization_code")
	if resp, _ := b.get(next.String(), "text/html"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("relay step again in the signed-in browser: %d %q, want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	other := tlsBrowser(t, a)
	resp, _ := other.get(next.String(), "text/html")
	wantRefused(t, a, other, resp, "the relay step in another browser")
	if n := a.op.Count("token:authorization_code"); n != exchanges {
		t.Errorf("%d code exchanges more", n-exchanges)
	}
}

// A relay step that no POST of this browser set up is refused and signs
// nobody in: a guessed relay, a login's own pending state used as a relay
// (the flow never went through the POST), the relay given twice or with
// response parameters beside it, and a POST naming a relay's state.
func TestAttackFormPostRelayForged(t *testing.T) {
	a := newFormPostApp(t)
	get := func(b *browser, query string) *http.Response {
		resp, _ := b.get(a.srv.URL+"/callback?"+query, "text/html")
		return resp
	}
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	wantRefused(t, a, b, get(b, "relay="+strings.Repeat("A", 43)), "a guessed relay")
	wantRefused(t, a, b, get(b, "relay=a&relay=b"), "relay given twice")
	wantRefused(t, a, b, get(b, "relay=a&code="+params.Get("code")), "relay with a code in the URL")
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Fatalf("the real login after forged relay steps: %d (%v)", resp.StatusCode, a.lastErr())
	}

	b = tlsBrowser(t, a)
	params = formPostLogin(t, a, b)
	wantRefused(t, a, b, get(b, "relay="+params.Get("state")), "the login's own state as a relay")
	wantRefused(t, a, b, postCallback(b, a, params), "the login's POST after its flow was refused as a relay")

	b = tlsBrowser(t, a)
	next := relayStep(t, a, b, formPostLogin(t, a, b))
	forged := url.Values{"state": {next.Query().Get("relay")}, "code": {"forged"}}
	req, _ := http.NewRequest("POST", a.srv.URL+"/callback", strings.NewReader(forged.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := b.do(req) // same-site: the relay's Lax cookie comes with it
	wantRefused(t, a, b, resp, "a POST naming the relay's state")
	if n := a.op.Count("token:authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want the one real login's", n)
	}
}

// The relay carries a response as large as providers send (Entra's codes
// run past 1 KB, Apple adds the user's name): a 1.8 KB code with a user
// reaches the token endpoint (which refuses it, being made up). A response
// too large for a flow cookie (3 KB sealed) is refused with 400, not
// carried in part.
func TestFormPostRelaySize(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	params.Set("code", strings.Repeat("c", 1800))
	params.Set("user", `{"name":{"firstName":"Jane","lastName":"Appleseed"},"email":"jane@privaterelay.appleid.com"}`)
	resp := postCallback(b, a, params)
	var pe *verify.ProviderError
	if err := a.lastErr(); resp.StatusCode != http.StatusBadGateway || !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		t.Errorf("a 1800-byte code: %d (%v), want 502 invalid_grant from the token endpoint", resp.StatusCode, err)
	}

	b = tlsBrowser(t, a)
	params = formPostLogin(t, a, b)
	params.Set("code", strings.Repeat("c", 4000))
	wantRefused(t, a, b, postCallbackOnly(b, a, params), "a 4000-byte code")
}

// The relay carries what Callback checks after taking the flow: the RFC
// 9207 iss (required when advertised, so a relay that lost it would refuse
// every login, and one naming another issuer is refused), and a provider's
// error with its description (a long one cut to what the page shows).
func TestFormPostRelayCarriesIssAndError(t *testing.T) {
	a := newFormPostApp(t)
	a.op.Set(func(b *oidctest.Behavior) { b.IssParameter = true })
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	if params.Get("iss") == "" {
		t.Fatalf("the provider posted no iss: %v", params)
	}
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Fatalf("login with iss: %d (%v)", resp.StatusCode, a.lastErr())
	}

	b = tlsBrowser(t, a)
	params = formPostLogin(t, a, b)
	params.Set("iss", "https://evil.example")
	resp := postCallback(b, a, params)
	var ae *login.AuthError
	if err := a.lastErr(); resp.StatusCode != http.StatusBadRequest || !errors.As(err, &ae) || ae.Code != "invalid_issuer" {
		t.Errorf("another issuer's iss: %d (%v), want 400 invalid_issuer", resp.StatusCode, err)
	}

	b = tlsBrowser(t, a)
	params = formPostLogin(t, a, b)
	params.Del("code")
	params.Set("error", "access_denied")
	params.Set("error_description", "The user declined. "+strings.Repeat("x", 5000))
	resp = postCallback(b, a, params)
	if err := a.lastErr(); resp.StatusCode != http.StatusForbidden || !errors.As(err, &ae) || ae.Code != "access_denied" ||
		!strings.Contains(ae.Message, "It said: \u201cThe user declined.") || !errors.Is(err, login.ErrLoginDenied) {
		t.Errorf("the provider's error: %d (%v), want 403 access_denied with its description", resp.StatusCode, err)
	}
	if code, _ := b.me(a); code != http.StatusUnauthorized {
		t.Errorf("a session after the provider's error: /me %d", code)
	}
}
