package middleware_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
)

// The interop tests run Gatehouse's real handlers against panva's
// oidc-provider (OpenID Certified), an implementation we did not write,
// started by the tests from testdata/oidc-provider (see
// interop_helpers_test.go). They need node and `npm ci` in that folder;
// without them they are skipped, or fail when CI=true.

// Login through the provider's own pages, /me, the provider's JWT access
// token accepted by a typ-enforcing bearer API and its ID token refused,
// then RP-initiated logout with id_token_hint through the provider's
// confirmation page.
func TestInteropLoginAPILogout(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 3600})
	c := interopBrowser()
	a.login(t, c, "alice")
	s := a.tokens(t, c)
	if s.RT == "" {
		t.Error("no refresh token in the session (offline_access)")
	}

	// The access token is the provider's JWT for the resource: typ at+jwt.
	if h := jwtHeader(t, s.AT); h["typ"] != "at+jwt" || h["kid"] != kid(t, a.key) {
		t.Errorf("access-token header %v", h)
	}
	if code, sub := a.callAPI(s.AT); code != 200 || sub != "alice" {
		t.Errorf("API with the provider's access token: %d %q", code, sub)
	}
	if code, body := a.callAPI(s.IDT); code != 401 {
		t.Errorf("API with the provider's ID token: %d %q, want 401", code, body)
	}

	// Logout: the app ends the session, revokes the refresh token and sends
	// the browser to end_session with id_token_hint; the provider asks for
	// confirmation and then returns to post_logout_redirect_uri.
	var endSession *url.URL
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), a.p.Metadata().EndSessionEndpoint) {
			endSession = r.URL
		}
		return nil
	}
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.CheckRedirect = nil
	if endSession == nil {
		t.Fatalf("logout did not go to the provider's end_session endpoint; ended at %s", resp.Request.URL)
	}
	q := endSession.Query()
	if q.Get("id_token_hint") != s.IDT || q.Get("client_id") != interopClientID || q.Get("post_logout_redirect_uri") != a.srv.URL+"/" || q.Get("state") == "" {
		t.Errorf("end_session query %v", q)
	}
	body := string(b)
	if !a.onApp(resp.Request.URL) {
		resp, body = submitForm(t, c, resp, body, map[string]string{"logout": "yes"})
	}
	// panva returns the state, which LoggedOut checks at "/".
	if resp.Request.URL.String() != a.srv.URL+"/?state="+url.QueryEscape(q.Get("state")) || body != "home" {
		t.Errorf("after logout the browser is at %s: %.300s", resp.Request.URL, body)
	}
	if code := a.meStatus(t, c); code != 401 {
		t.Errorf("/me after logout: %d, want 401", code)
	}
	if code, e := a.op.refreshAtProvider(t, s.RT); code != 400 || e != "invalid_grant" {
		t.Errorf("the logged-out session's refresh token at the provider: %d %s, want 400 invalid_grant", code, e)
	}
	// The provider's session is over too: signing in asks for the password.
	resp, body = interopGet(t, c, a.srv.URL+"/login")
	if !strings.HasPrefix(resp.Request.URL.String(), a.op.URL) || !strings.Contains(body, `name="password"`) {
		t.Errorf("login after logout did not show the provider's login form: %s", resp.Request.URL)
	}
}

// A short access-token lifetime makes every request refresh: the provider
// rotates the refresh token each time, the session keeps the new one, the
// provider refuses the rotated-out one, and that reuse (theft detection at
// the provider) revokes the grant, which ends the Gatehouse session.
func TestInteropRefreshRotation(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 30})
	c := interopBrowser()
	a.login(t, c, "bob")
	a.clock.advance(20 * time.Second) // past half the token's life: due for refresh
	first := a.tokens(t, c)
	a.clock.advance(20 * time.Second)
	second := a.tokens(t, c)
	if first.RT == "" || first.RT == second.RT || first.AT == second.AT {
		t.Fatal("the session's tokens did not change with the refresh")
	}
	if code, sub := a.callAPI(second.AT); code != 200 || sub != "bob" {
		t.Errorf("API with the refreshed access token: %d %q", code, sub)
	}
	if code, e := a.op.refreshAtProvider(t, first.RT); code != 400 || e != "invalid_grant" {
		t.Errorf("the rotated-out refresh token at the provider: %d %s, want 400 invalid_grant", code, e)
	}
	// The reuse revoked the grant: the session's refresh fails with
	// invalid_grant and Gatehouse ends the session.
	a.clock.advance(20 * time.Second)
	if code := a.meStatus(t, c); code != 401 {
		t.Errorf("/me after the provider revoked the grant: %d, want 401", code)
	}
	if code, e := a.op.refreshAtProvider(t, second.RT); code != 400 || e != "invalid_grant" {
		t.Errorf("the current refresh token after the reuse: %d %s, want 400 invalid_grant", code, e)
	}
}

// Logout at the provider (not through the app): the provider POSTs a
// logout_token to the app's back-channel endpoint, which ends the session
// named by its sid.
func TestInteropBackChannelLogout(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 3600, backchannel: true})
	c := interopBrowser()
	a.login(t, c, "dave")
	other := interopBrowser() // another session of the same user, another provider session
	a.login(t, other, "dave")
	s := a.tokens(t, c)
	if s.SID == "" {
		t.Fatal("the session has no sid (backchannel_logout_session_required)")
	}
	if so := a.tokens(t, other); so.SID == s.SID {
		t.Fatal("two provider sessions share a sid")
	}

	resp, body := interopGet(t, c, a.p.Metadata().EndSessionEndpoint)
	resp, body = submitForm(t, c, resp, body, map[string]string{"logout": "yes"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), a.op.URL) {
		t.Fatalf("logout at the provider ended at %s with %d: %.500s", resp.Request.URL, resp.StatusCode, body)
	}
	a.mu.Lock()
	calls := append([]int(nil), a.backchannel...)
	a.mu.Unlock()
	if len(calls) != 1 || calls[0] != 200 {
		t.Fatalf("back-channel logout answers %v, want [200]", calls)
	}
	if code := a.meStatus(t, c); code != 401 {
		t.Errorf("/me after the provider's back-channel logout: %d, want 401", code)
	}
	if code := a.meStatus(t, other); code != 200 {
		t.Errorf("/me of the user's other session (other sid): %d, want 200", code)
	}
}

// Client credentials (NewClient, endpoint found by discovery) against the
// provider, its token accepted by the same bearer API; then a key rotation
// at the provider (a new key signs, the old one is still published): a
// login's ID token and the new access tokens, signed with a kid Gatehouse
// has not seen, verify after a key-set refetch, and tokens signed before the
// rotation still verify.
func TestInteropClientCredentialsAndKeyRotation(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 3600})
	api := httptest.NewServer(a.api)
	t.Cleanup(api.Close)
	cfg := outbound.Config{Provider: a.p, ClientID: interopClientID, ClientSecret: a.op.secret,
		Scopes: []string{"api:read"}, EndpointParams: url.Values{"resource": {interopResource}}}
	callAs := func(c *http.Client) (int, string) {
		t.Helper()
		resp, err := c.Get(api.URL)
		if err != nil {
			t.Fatalf("client credentials at oidc-provider: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	token := func() string {
		t.Helper()
		tr, err := outbound.NewTransport(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tr.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials at oidc-provider: %v", err)
		}
		return tok
	}

	oldClient, err := outbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if code, sub := callAs(oldClient); code != 200 || sub != interopClientID {
		t.Fatalf("API with a client-credentials token: %d %q", code, sub)
	}
	oldTok := token()
	if h := jwtHeader(t, oldTok); h["typ"] != "at+jwt" || h["kid"] != kid(t, a.key) {
		t.Errorf("client-credentials token header %v", h)
	}

	newKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	a.op.restart(newKey, a.key)

	// The login's ID token is the first thing signed with the new key.
	c := interopBrowser()
	a.login(t, c, "carol")
	s := a.tokens(t, c)
	if h := jwtHeader(t, s.IDT); h["kid"] != kid(t, newKey) {
		t.Fatalf("after the rotation the ID token is signed with %v", h["kid"])
	}
	if code, sub := a.callAPI(s.AT); code != 200 || sub != "carol" {
		t.Errorf("API with an access token under the new key: %d %q", code, sub)
	}
	newTok := token()
	if h := jwtHeader(t, newTok); h["kid"] != kid(t, newKey) {
		t.Errorf("after the rotation the client-credentials token is signed with %v", h["kid"])
	}
	if code, sub := a.callAPI(newTok); code != 200 || sub != interopClientID {
		t.Errorf("API with a client-credentials token under the new key: %d %q", code, sub)
	}
	// Signed before the rotation with the still-published old key.
	if code, sub := a.callAPI(oldTok); code != 200 || sub != interopClientID {
		t.Errorf("API with a token from before the rotation: %d %q", code, sub)
	}
	if code, sub := callAs(oldClient); code != 200 || sub != interopClientID {
		t.Errorf("the client from before the rotation: %d %q", code, sub)
	}
}
