package providers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// rp is a web application signing users in with a preset, over real HTTP.
type rp struct {
	t    *testing.T
	op   *oidctest.Server
	srv  *httptest.Server
	cfg  login.Config
	errs chan error
	c    *http.Client // the browser of the last login
}

// client is the test provider's default client, registered as a user would.
func client(op *oidctest.Server) Client {
	return Client{ID: op.ClientID, Secret: op.ClientSecret, RedirectURL: "/callback"}
}

// newRP discovers p and serves /login, /callback and /me (the session's
// claims as JSON).
func newRP(t *testing.T, op *oidctest.Server, p Preset) *rp {
	t.Helper()
	cfg, prov, err := p.Discover(context.Background(), newSessions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prov.Close)
	r := &rp{t: t, op: op, cfg: cfg, errs: make(chan error, 10)}
	cfg.ErrorResponder = func(w http.ResponseWriter, req *http.Request, err error) {
		select {
		case r.errs <- err:
		default:
		}
		login.WriteAuthError(w, req, err)
	}
	auth, err := login.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", auth.Login)
	mux.HandleFunc("GET /callback", auth.Callback)
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s, _ := login.Session(req.Context())
		w.Write(s.Claims)
	})))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// newSessions is a cookie session manager.
func newSessions(t *testing.T) *session.Manager {
	t.Helper()
	store, err := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return sessions
}

// login signs user in and returns the authorization request's query, the
// callback's status and, when it succeeded, the session's claims.
func (r *rp) login(user string) (authz url.Values, status int, claims map[string]any) {
	r.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r.c = c
	get := func(u string) *http.Response {
		r.t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			r.t.Fatal(err)
		}
		return resp
	}
	resp := get(r.srv.URL + "/login")
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	au, err := url.Parse(loc)
	if err != nil {
		r.t.Fatal(err)
	}
	cb, err := r.op.Login(user, loc)
	if err != nil {
		r.t.Fatalf("provider login: %v", err)
	}
	resp = get(cb.String())
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return au.Query(), resp.StatusCode, nil
	}
	resp = get(r.srv.URL + "/me")
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(&claims)
	return au.Query(), resp.StatusCode, claims
}

// me is the status of /me for the browser of the last login.
func (r *rp) me() int {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.srv.URL+"/me", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// lastErr is the last error the login handlers reported, or nil.
func (r *rp) lastErr() error {
	select {
	case err := <-r.errs:
		return err
	default:
		return nil
	}
}
