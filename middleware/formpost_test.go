package middleware_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
)

// newFormPostApp serves an app with FormPost over TLS (httptest), its
// callback routed for POST (the provider's page) and GET (the relay step),
// against an oidctest provider, with opts applied to its Config (sessions in
// cookies unless an opt sets Sessions).
func newFormPostApp(t *testing.T, opts ...appOpt) *app {
	t.Helper()
	op, p := discovered(t)
	a := &app{t: t, op: op, sessions: testManager(t), errs: make(chan error, 100), clock: &testClock{}}
	mux := http.NewServeMux()
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	c := login.Config{
		Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		RedirectURL: a.srv.URL + "/callback", Sessions: a.sessions, FormPost: true, Now: a.clock.Now,
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			a.errs <- err
			login.WriteAuthError(w, r, err)
		},
	}
	for _, o := range opts {
		o(&c)
	}
	a.sessions = c.Sessions
	var err error
	a.auth, err = login.New(c)
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
// redirects and, as browsers do, sends only its SameSite=None cookies with
// a cross-site POST (sameSiteTransport).
func tlsBrowser(t *testing.T, a *app) *browser {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *a.srv.Client() // its own copy: Client returns one shared client
	c.Jar = jar
	c.Transport = &sameSiteTransport{next: c.Transport, none: map[string]bool{}}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, jar: jar, c: c}
}

// sameSiteTransport gives a test browser the SameSite rule that matters for
// a form-post callback (RFC 6265bis §5.8.3): a cross-site request with an
// unsafe method, marked by the test with Sec-Fetch-Site: cross-site as
// browsers mark it, carries only the cookies set with SameSite=None. A
// cross-site top-level GET carries Lax cookies too, so it is left alone.
type sameSiteTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	none map[string]bool // cookie name → set with SameSite=None
}

func (s *sameSiteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		var keep []string
		s.mu.Lock()
		for _, c := range r.Cookies() {
			if s.none[c.Name] {
				keep = append(keep, c.Name+"="+c.Value)
			}
		}
		s.mu.Unlock()
		r = r.Clone(r.Context())
		r.Header.Del("Cookie")
		if len(keep) > 0 {
			r.Header.Set("Cookie", strings.Join(keep, "; "))
		}
	}
	resp, err := s.next.RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		for _, c := range resp.Cookies() {
			s.none[c.Name] = c.SameSite == http.SameSiteNoneMode
		}
		s.mu.Unlock()
	}
	return resp, err
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

// postCallback posts params to the callback as the provider's page does,
// and when the callback answers with its relay step (a 303 to the callback
// URL), follows it as the browser does; it returns the last response.
func postCallback(b *browser, a *app, params url.Values) *http.Response {
	resp := postCallbackOnly(b, a, params)
	if resp.StatusCode != http.StatusSeeOther {
		return resp
	}
	next, err := resp.Location()
	if err != nil || next.Path != "/callback" {
		b.t.Fatalf("the form-post callback redirects to %q (%v), not to its relay step", resp.Header.Get("Location"), err)
	}
	req, _ := http.NewRequest("GET", next.String(), nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site") // the redirect of a cross-site navigation
	resp, _ = b.do(req)
	return resp
}

// postCallbackOnly posts params to the callback as the provider's page
// does: a cross-site POST.
func postCallbackOnly(b *browser, a *app, params url.Values) *http.Response {
	req, _ := http.NewRequest("POST", a.srv.URL+"/callback", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null") // a cross-site form post
	req.Header.Set("Sec-Fetch-Site", "cross-site")
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
