package middleware_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// app is a web application wired with Auth against an oidctest provider,
// served over real HTTP.
type app struct {
	t        testing.TB
	op       *oidctest.Server
	auth     *login.Auth
	sessions *session.Manager
	srv      *httptest.Server
	errs     chan error // what the error responder saw
	clock    *testClock // the Auth's clock (Config.Now)
}

type appOpt func(*login.Config)

func newApp(t testing.TB, op *oidctest.Server, opts ...appOpt) *app {
	t.Helper()
	if op == nil {
		op = oidctest.NewServer()
		t.Cleanup(op.Close)
	}
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	store, err := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, op: op, sessions: sessions, errs: make(chan error, 100), clock: &testClock{}}
	c := login.Config{
		Now:      a.clock.Now,
		Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		RedirectURL: "/callback", Sessions: sessions,
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			select {
			case a.errs <- err:
			default:
			}
			login.WriteAuthError(w, r, err)
		},
	}
	for _, o := range opts {
		o(&c)
	}
	a.auth, err = login.New(c)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", a.auth.Login)
	mux.HandleFunc("GET /callback", a.auth.Callback)
	mux.HandleFunc("POST /logout", a.auth.Logout)
	mux.Handle("GET /me", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.Claims)
	})))
	mux.Handle("GET /token", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Write([]byte(s.AccessToken))
	})))
	mux.Handle("GET /{$}", a.auth.Optional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, ok := login.Session(r.Context()); ok {
			w.Write([]byte("hello " + s.Subject))
			return
		}
		w.Write([]byte("hello stranger"))
	})))
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// browser is a cookie-jar client that does not follow redirects, so each
// step of the flow can be inspected and tampered with.
type browser struct {
	t   testing.TB
	jar *cookiejar.Jar
	c   *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(u string, accept string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return b.do(req)
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// startLogin GETs /login and returns the authorization URL it redirects to.
func (b *browser) startLogin(a *app, returnTo string) string {
	b.t.Helper()
	u := a.srv.URL + "/login"
	if returnTo != "" {
		u += "?return_to=" + url.QueryEscape(returnTo)
	}
	resp, _ := b.get(u, "text/html")
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("/login: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// callbackURL has the provider log user in for authURL and returns the
// callback URL it redirects the browser to.
func callbackURL(t testing.TB, a *app, user, authURL string) string {
	t.Helper()
	u, err := a.op.Login(user, authURL)
	if err != nil {
		t.Fatalf("provider login: %v", err)
	}
	return u.String()
}

// login runs a whole login for user and returns the final callback response.
func (b *browser) login(a *app, user string) *http.Response {
	b.t.Helper()
	resp, _ := b.get(callbackURL(b.t, a, user, b.startLogin(a, "/me")), "text/html")
	return resp
}

func (b *browser) me(a *app) (int, map[string]any) {
	b.t.Helper()
	resp, body := b.get(a.srv.URL+"/me", "application/json")
	var c map[string]any
	_ = json.Unmarshal([]byte(body), &c)
	return resp.StatusCode, c
}

func (a *app) lastErr() error {
	select {
	case err := <-a.errs:
		return err
	default:
		return nil
	}
}

func TestLoginHappyPath(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	if code, _ := b.me(a); code != 401 {
		t.Fatalf("/me before login: %d, want 401", code)
	}
	authURL := b.startLogin(a, "/me")
	q := mustQuery(t, authURL)
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Errorf("authorization request lacks PKCE S256, nonce or state: %s", authURL)
	}
	if q.Get("redirect_uri") != a.srv.URL+"/callback" {
		t.Errorf("redirect_uri %q", q.Get("redirect_uri"))
	}
	resp, body := b.get(callbackURL(t, a, "alice", authURL), "text/html")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/me" {
		t.Fatalf("callback: %d %s %s (%v)", resp.StatusCode, resp.Header.Get("Location"), body, a.lastErr())
	}
	code, claims := b.me(a)
	if code != 200 || claims["sub"] != "alice" || claims["email"] != "alice@example.test" {
		t.Errorf("/me after login: %d %v", code, claims)
	}
	if n := a.op.Count("token:authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
}

// Browsers without a session are sent into the login, keeping the path.
func TestRequireRedirectsBrowsers(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	resp, _ := b.get(a.srv.URL+"/me?tab=2", "text/html,application/xhtml+xml")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/login?return_to="+url.QueryEscape("/me?tab=2") {
		t.Errorf("browser without session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get(a.srv.URL+"/me", "application/json")
	if resp.StatusCode != 401 || !strings.Contains(body, "login_required") {
		t.Errorf("API client without session: %d %s", resp.StatusCode, body)
	}
	// The whole loop: follow the redirects like a browser and land on /me.
	a.op.Set(func(bh *oidctest.Behavior) { bh.AutoLogin = "carol" })
	jar, _ := cookiejar.New(nil)
	follow := &http.Client{Jar: jar}
	req, _ := http.NewRequest("GET", a.srv.URL+"/me?tab=2", nil)
	req.Header.Set("Accept", "text/html")
	r2, err := follow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || r2.Request.URL.RequestURI() != "/me?tab=2" {
		t.Errorf("full loop ended at %s with %d", r2.Request.URL, r2.StatusCode)
	}
}

func TestLoginTwoTabsReverseOrder(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	auth1 := b.startLogin(a, "/one")
	auth2 := b.startLogin(a, "/two")
	cb1, cb2 := callbackURL(t, a, "alice", auth1), callbackURL(t, a, "alice", auth2)
	resp, _ := b.get(cb2, "text/html")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/two" {
		t.Fatalf("second tab: %d %s (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
	resp, _ = b.get(cb1, "text/html")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/one" {
		t.Fatalf("first tab, completed last: %d %s (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
}

func TestCallbackStateAttacks(t *testing.T) {
	a := newApp(t, nil)
	rows := []struct {
		name string
		code string // the error code on the page
		cb   func(b *browser) string
	}{
		{"state altered", "invalid_state", func(b *browser) string {
			cb := callbackURL(t, a, "alice", b.startLogin(a, ""))
			st := mustQuery(t, cb).Get("state")
			flip := "A"
			if st[0] == 'A' {
				flip = "B"
			}
			return setParam(t, cb, "state", flip+st[1:])
		}},
		{"state missing", "invalid_state", func(b *browser) string {
			return setParam(t, callbackURL(t, a, "alice", b.startLogin(a, "")), "state", "")
		}},
		{"state replayed after logout", "invalid_state", func(b *browser) string {
			cb := callbackURL(t, a, "alice", b.startLogin(a, ""))
			if resp, _ := b.get(cb, "text/html"); resp.StatusCode != 302 {
				t.Fatalf("first use: %d", resp.StatusCode)
			}
			req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
			b.do(req)
			return cb
		}},
		{"state from another browser", "login_cookie_missing", func(b *browser) string {
			return callbackURL(t, a, "alice", newBrowser(t).startLogin(a, ""))
		}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			cb := tc.cb(b)
			before := a.op.Count("token")
			resp, body := b.get(cb, "text/html")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, body)
			}
			if !strings.Contains(body, "<code>"+tc.code+"</code>") {
				t.Errorf("page does not name the problem: %s", body)
			}
			if a.op.Count("token") != before {
				t.Error("the code was exchanged despite a bad state")
			}
		})
	}
}

func setParam(t testing.TB, raw, k, v string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func mustQuery(t testing.TB, raw string) url.Values {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// 20 concurrent requests on a session whose access token is about to expire
// cause exactly one refresh at the provider, and all succeed.
func TestRefreshConcurrentSingleFlight(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(bh *oidctest.Behavior) { bh.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op)
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	a.clock.advance(20 * time.Second) // past half the token's life: due for refresh
	op.Set(func(bh *oidctest.Behavior) { bh.AccessTokenTTL = time.Hour })
	before := op.Count("token:refresh_token")
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	tokens := make(chan string, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := b.get(a.srv.URL+"/token", "application/json")
			codes <- resp.StatusCode
			tokens <- body
		}()
	}
	wg.Wait()
	close(codes)
	close(tokens)
	for c := range codes {
		if c != 200 {
			t.Errorf("a request got %d (%v)", c, a.lastErr())
		}
	}
	if n := op.Count("token:refresh_token") - before; n != 1 {
		t.Errorf("%d refresh requests, want exactly 1", n)
	}
	seen := map[string]bool{}
	for tk := range tokens {
		seen[tk] = true
	}
	if len(seen) != 1 {
		t.Errorf("requests saw %d different access tokens, want the one refreshed token", len(seen))
	}
}
