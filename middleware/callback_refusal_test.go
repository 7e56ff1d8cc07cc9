package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// hookedApp is newApp with an AfterLogin hook that counts the logins that
// got that far.
func hookedApp(t *testing.T, op *oidctest.Server, opts ...appOpt) (*app, *atomic.Int64) {
	t.Helper()
	var logins atomic.Int64
	opts = append(opts, func(c *login.Config) {
		c.AfterLogin = func(context.Context, *session.Session) error { logins.Add(1); return nil }
	})
	return newApp(t, op, opts...), &logins
}

// callbackDirect sends the browser's request for rawURL to the app's
// handler in this goroutine (a panic fails the test, where a server would
// only close the connection).
func callbackDirect(t *testing.T, a *app, b *browser, rawURL string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", rawURL, nil)
	u, _ := url.Parse(a.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	a.srv.Config.Handler.ServeHTTP(w, r)
	return w
}

// TestAttackRefusedCallbackDoesNothing: a callback refused for what its
// URL carries, or because the provider's answer fails, stops there: no
// code exchange after a refusal of the URL, no AfterLogin, no session, no
// panic.
func TestAttackRefusedCallbackDoesNothing(t *testing.T) {
	rows := []struct {
		name  string
		set   func(*oidctest.Behavior)
		cb    func(string) string
		code  int
		token bool // the code was exchanged before the refusal
	}{
		{"access_token in the URL", nil, func(cb string) string { return cb + "&access_token=x" }, 400, false},
		{"state twice", nil, func(cb string) string { return cb + "&state=forged" }, 400, false},
		{"unknown state", nil, func(cb string) string { return strings.Replace(cb, "state=", "state=x", 1) }, 400, false},
		{"iss of another provider", nil, func(cb string) string { return cb + "&iss=https%3A%2F%2Fevil.example" }, 400, false},
		{"error from the provider", nil, func(cb string) string { return cb + "&error=access_denied" }, 403, false},
		{"no code", nil, func(cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Del("code")
			u.RawQuery = q.Encode()
			return u.String()
		}, 400, false},
		{"token endpoint refuses", func(b *oidctest.Behavior) { b.TokenStatus = 400 }, nil, 0, true},
		{"forged ID token", func(b *oidctest.Behavior) { b.BadIDTokenSignature = true }, nil, 0, true},
		{"no ID token", func(b *oidctest.Behavior) { b.OmitIDToken = true }, nil, 0, true},
		{"token_type DPoP", func(b *oidctest.Behavior) {
			b.TokenBody = `{"access_token":"a","token_type":"DPoP","expires_in":3600}`
		}, nil, 0, true},
		{"userinfo answers 500", func(b *oidctest.Behavior) { b.UserinfoStatus = 500 }, nil, 0, true},
		{"userinfo for another user", func(b *oidctest.Behavior) { b.UserinfoSub = "mallory" }, nil, 0, true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			op := oidctest.NewServer()
			defer op.Close()
			a, logins := hookedApp(t, op, func(c *login.Config) { c.FetchUserinfo = true })
			b := newBrowser(t)
			cb := callbackURL(t, a, "alice", b.startLogin(a, "/me"))
			if r.set != nil {
				op.Set(r.set)
			}
			if r.cb != nil {
				cb = r.cb(cb)
			}
			w := callbackDirect(t, a, b, cb)
			if w.Code < 400 || (r.code != 0 && w.Code != r.code) {
				t.Errorf("%d, want %d (or an error when 0)", w.Code, r.code)
			}
			if n := op.Count("token:authorization_code"); (n > 0) != r.token {
				t.Errorf("%d code exchanges", n)
			}
			if logins.Load() != 0 {
				t.Error("AfterLogin ran")
			}
			if code, _ := b.me(a); code != 401 {
				t.Errorf("a session: /me %d", code)
			}
		})
	}
}

// plainOAuthProvider is op as a plain OAuth 2.0 provider (GitHub style): no
// ID tokens, the user from the userinfo endpoint.
func plainOAuthProvider(t *testing.T, op *oidctest.Server) appOpt {
	t.Helper()
	op.Set(func(b *oidctest.Behavior) { b.OmitIDToken = true })
	md := verify.Metadata{AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: op.URL + "/userinfo"}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: "https://github.example", Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	return func(c *login.Config) { c.Provider, c.Scopes = p, []string{"read:user"} }
}

// TestAttackUserinfoUnreachable: a login whose userinfo endpoint does not
// answer at all (connection refused) fails with an error page, no session,
// never a panic.
func TestAttackUserinfoUnreachable(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	md := verify.Metadata{AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: dead.URL + "/userinfo"}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: "https://github.example", Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	op.Set(func(b *oidctest.Behavior) { b.OmitIDToken = true })
	a, logins := hookedApp(t, op, func(c *login.Config) { c.Provider, c.Scopes = p, []string{"read:user"} })
	b := newBrowser(t)
	w := callbackDirect(t, a, b, callbackURL(t, a, "octocat", b.startLogin(a, "/me")))
	if w.Code < 500 || logins.Load() != 0 {
		t.Errorf("userinfo unreachable: %d, %d logins; want a 5xx and none", w.Code, logins.Load())
	}
}

// TestAttackLoginTokenTypeNotBearer: a login whose token response is not a
// bearer token (token_type DPoP: bound to a key this app does not hold) is
// refused, even when nothing else (no ID token here) would catch it.
func TestAttackLoginTokenTypeNotBearer(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a, logins := hookedApp(t, op, plainOAuthProvider(t, op))
	body := `{"access_token":"` + op.AccessToken("octocat", "api") + `","token_type":"DPoP","expires_in":3600}`
	op.Set(func(b *oidctest.Behavior) { b.TokenBody = body })
	b := newBrowser(t)
	w := callbackDirect(t, a, b, callbackURL(t, a, "octocat", b.startLogin(a, "/me")))
	if w.Code < 400 || logins.Load() != 0 {
		t.Errorf("token_type DPoP: %d, %d logins; want refused", w.Code, logins.Load())
	}
}

// TestAttackPlainOAuthUserWithoutSubject: a plain OAuth 2.0 login whose
// user API answers no stable ID (the SubjectClaim) is refused: a session
// without a subject would be everyone's.
func TestAttackPlainOAuthUserWithoutSubject(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	plain := plainOAuthProvider(t, op)
	for body, ok := range map[string]bool{`{"name":"Octo Cat"}`: false, `{"sub":"","name":"x"}`: false, `{"sub":12345}`: true, `{"sub":"octocat"}`: true} {
		op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = body })
		a, logins := hookedApp(t, op, plain)
		b := newBrowser(t)
		w := callbackDirect(t, a, b, callbackURL(t, a, "octocat", b.startLogin(a, "/me")))
		if got := w.Code == http.StatusFound && logins.Load() == 1; got != ok {
			t.Errorf("userinfo %s: %d, %d logins; want signed in: %v", body, w.Code, logins.Load(), ok)
		}
	}
}
