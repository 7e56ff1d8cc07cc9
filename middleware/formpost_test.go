package middleware_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
)

// newFormPostApp serves an app with FormPost over TLS (httptest), its
// callback routed for POST, against an oidctest provider.
func newFormPostApp(t *testing.T) *app {
	t.Helper()
	op, p := discovered(t)
	a := &app{t: t, op: op, sessions: testManager(t), errs: make(chan error, 100), clock: &testClock{}}
	mux := http.NewServeMux()
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	var err error
	a.auth, err = login.New(login.Config{
		Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		RedirectURL: a.srv.URL + "/callback", Sessions: a.sessions, FormPost: true, Now: a.clock.Now,
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			a.errs <- err
			login.WriteAuthError(w, r, err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /login", a.auth.Login)
	mux.HandleFunc("POST /callback", a.auth.Callback)
	mux.HandleFunc("GET /callback", a.auth.Callback)
	mux.Handle("GET /me", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Write(s.Claims)
	})))
	return a
}

// tlsBrowser is a cookie-jar client of a's TLS server that does not follow
// redirects.
func tlsBrowser(t *testing.T, a *app) *browser {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *a.srv.Client() // its own copy: Client returns one shared client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, jar: jar, c: c}
}

// formPostLogin starts a login in b and returns the parameters the
// provider's page would post to the callback.
func formPostLogin(t *testing.T, a *app, b *browser) url.Values {
	t.Helper()
	resp, _ := b.get(a.srv.URL+"/login?return_to=/me", "text/html")
	authURL := resp.Header.Get("Location")
	if mustQuery(t, authURL).Get("response_mode") != "form_post" {
		t.Fatalf("authorization request without response_mode=form_post: %s", authURL)
	}
	var flow *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "_flow_") {
			flow = c
		}
	}
	if flow == nil || flow.SameSite != http.SameSiteNoneMode || !flow.Secure || !flow.HttpOnly {
		t.Fatalf("flow cookie %v: want SameSite=None, Secure, HttpOnly", resp.Header.Values("Set-Cookie"))
	}
	back, err := a.op.Login("alice", authURL)
	if err != nil {
		t.Fatal(err)
	}
	return back.Query()
}

// postCallback posts params to the callback as the provider's page does.
func postCallback(b *browser, a *app, params url.Values) *http.Response {
	req, _ := http.NewRequest("POST", a.srv.URL+"/callback", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null") // a cross-site form post
	resp, _ := b.do(req)
	return resp
}

func TestFormPostLogin(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	resp := postCallback(b, a, formPostLogin(t, a, b))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/me" {
		t.Fatalf("callback: %d %q (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Errorf("/me: %d %v", code, c)
	}
}

// wantRefused checks a callback refused with 400 and no session.
func wantRefused(t *testing.T, a *app, b *browser, resp *http.Response, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("%s: %d (%v), want 400", what, resp.StatusCode, a.lastErr())
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("%s: a session exists: /me %d", what, code)
	}
}

// Any site can make the browser post to the callback with the SameSite=None
// flow cookie attached; without the flow's state the post is refused and
// does not use up the flow.
func TestAttackFormPostForgedWithoutState(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	for _, state := range []string{"", "guessed", strings.Repeat("A", 43)} {
		forged := url.Values{"code": {params.Get("code")}}
		if state != "" {
			forged.Set("state", state)
		}
		wantRefused(t, a, b, postCallback(b, a, forged), "state "+state)
	}
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Errorf("the real post after forged ones: %d (%v)", resp.StatusCode, a.lastErr())
	}
}

// Login CSRF: the attacker's own code and state, posted from the victim's
// browser, which has no flow cookie for that state.
func TestAttackFormPostLoginCSRF(t *testing.T) {
	a := newFormPostApp(t)
	attacker, victim := tlsBrowser(t, a), tlsBrowser(t, a)
	params := formPostLogin(t, a, attacker)
	formPostLogin(t, a, victim) // the victim has a login of their own pending
	wantRefused(t, a, victim, postCallback(victim, a, params), "attacker's response in the victim's browser")
}

func TestAttackFormPostReplay(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Fatalf("first post: %d", resp.StatusCode)
	}
	// The browser is signed in now: the same post again is sent on to
	// "/", and its code is not exchanged a second time.
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("the same post again in the same browser: %d %q, want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := a.op.Count("token:authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
	other := tlsBrowser(t, a)
	wantRefused(t, a, other, postCallback(other, a, params), "the same post from another browser")
}

// The response must come in the body: a link to the callback, or a post
// with the parameters in its URL, is refused.
func TestAttackFormPostParamsInURL(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	resp, _ := b.get(a.srv.URL+"/callback?"+params.Encode(), "text/html")
	wantRefused(t, a, b, resp, "GET with the parameters in the query")
	req, _ := http.NewRequest("POST", a.srv.URL+"/callback?"+params.Encode(), strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = b.do(req)
	wantRefused(t, a, b, resp, "POST with the parameters in the URL too")
	req, _ = http.NewRequest("POST", a.srv.URL+"/callback", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "text/plain")
	resp, _ = b.do(req)
	wantRefused(t, a, b, resp, "a text/plain body")
	req, _ = http.NewRequest("POST", a.srv.URL+"/callback", strings.NewReader("state="+strings.Repeat("x", 70<<10)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = b.do(req)
	wantRefused(t, a, b, resp, "a 70 KB body")
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Errorf("the real post after the refused ones: %d (%v)", resp.StatusCode, a.lastErr())
	}
}

func TestNewRefusesFormPostWithoutHTTPS(t *testing.T) {
	_, p := discovered(t)
	for _, redirect := range []string{"/callback", "http://127.0.0.1:8080/callback"} {
		_, err := login.New(login.Config{Provider: p, ClientID: "c", RedirectURL: redirect, Sessions: testManager(t), FormPost: true})
		if err == nil || !strings.Contains(err.Error(), "FormPost needs an absolute https RedirectURL") {
			t.Errorf("FormPost with RedirectURL %q: %v", redirect, err)
		}
	}
}
