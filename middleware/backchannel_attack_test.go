package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// backchannel calls the back-channel logout handler directly (a panic
// fails the test instead of closing a connection) and returns the status.
func backchannel(a *app, method string, form url.Values) int {
	var r *http.Request
	if method == http.MethodPost {
		r = httptest.NewRequest(method, "/backchannel", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, "/backchannel?"+form.Encode(), nil)
	}
	w := httptest.NewRecorder()
	a.auth.BackChannelLogout(w, r)
	return w.Code
}

// TestAttackBackChannelRefusalsEndNothing: a back-channel request that is
// refused ends no session: a logout token sent by GET, sent twice in one
// body, forged, or replayed after the user signed in again.
func TestAttackBackChannelRefusalsEndNothing(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := withBackchannel(newApp(t, op))
	b := newBrowser(t)
	b.login(a, "alice")
	good := op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: logoutClaims(op, nil)}) // sub alice
	rows := []struct {
		name   string
		method string
		form   url.Values
		code   int
	}{
		{"GET with the token in the query", http.MethodGet, url.Values{"logout_token": {good}}, 405},
		{"the token twice in one body", http.MethodPost, url.Values{"logout_token": {good, good}}, 400},
		{"a forged token", http.MethodPost, url.Values{"logout_token": {good[:len(good)-4] + "AAAA"}}, 400},
	}
	for _, r := range rows {
		if code := backchannel(a, r.method, r.form); code != r.code {
			t.Errorf("%s: %d, want %d", r.name, code, r.code)
		}
		if code, _ := b.me(a); code != 200 {
			t.Fatalf("%s ended the session: /me %d", r.name, code)
		}
	}
	if code := backchannel(a, http.MethodPost, url.Values{"logout_token": {good}}); code != 200 {
		t.Fatalf("the logout token: %d", code)
	}
	if code, _ := b.me(a); code != 401 {
		t.Fatalf("after the logout: /me %d", code)
	}
	b.login(a, "alice")
	if code := backchannel(a, http.MethodPost, url.Values{"logout_token": {good}}); code != 400 {
		t.Errorf("the logout token replayed: %d, want 400", code)
	}
	if code, _ := b.me(a); code != 200 {
		t.Errorf("a replayed logout token ended the new session: /me %d", code)
	}
}

// TestBackChannelWithoutOpenIDProvider: an Auth for a plain OAuth 2.0
// provider (no ID tokens, so no logout tokens) refuses back-channel
// requests with 400, never a panic.
func TestBackChannelWithoutOpenIDProvider(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	md := verify.Metadata{AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: op.URL + "/userinfo"}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: "https://github.example", Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, op, func(c *login.Config) { c.Provider, c.Scopes = p, []string{"read:user"} })
	good := op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: logoutClaims(op, nil)})
	if code := backchannel(a, http.MethodPost, url.Values{"logout_token": {good}}); code != 400 {
		t.Errorf("%d, want 400", code)
	}
}
