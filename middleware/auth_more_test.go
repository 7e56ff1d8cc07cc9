package middleware_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestAfterLoginHook(t *testing.T) {
	a := newApp(t, nil, func(c *login.Config) {
		c.AfterLogin = func(_ context.Context, s *session.Session) error {
			if s.Subject == "mallory" {
				return errors.New("not on the guest list")
			}
			s.Extra = map[string]string{"role": "staff"}
			return nil
		}
	})
	b := newBrowser(t)
	if resp := b.login(a, "mallory"); resp.StatusCode != 403 || !errors.Is(a.lastErr(), login.ErrLoginDenied) {
		t.Errorf("denied user: %d", resp.StatusCode)
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("denied user has a session: %d", code)
	}
	b.login(a, "alice")
	if sessionOf(t, a, b).Extra["role"] != "staff" {
		t.Error("the hook's change was not saved")
	}
}

func sessionOf(t testing.TB, a *app, b *browser) *session.Session {
	req, _ := http.NewRequest("GET", a.srv.URL+"/", nil)
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	s, err := a.sessions.Load(req)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestUserinfo(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.SetUser("alice", map[string]any{"groups": []string{"ops"}})
	a := newApp(t, op, func(c *login.Config) { c.FetchUserinfo = true })
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if _, claims := b.me(a); claims["groups"] == nil {
		t.Errorf("userinfo claims missing: %v", claims)
	}
	// A userinfo answer for another user is refused.
	op.Set(func(bh *oidctest.Behavior) { bh.UserinfoSub = "mallory" })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 502 {
		t.Errorf("userinfo sub mismatch: %d", resp.StatusCode)
	}
}

// A plain OAuth 2.0 provider (GitHub style): no ID token, a form-encoded
// token response, the user from the userinfo endpoint.
func TestPlainOAuth2Provider(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OmitIDToken, b.FormEncodedTokenResponse = true, true })
	md := verify.Metadata{AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: op.URL + "/userinfo"}
	p, err := verify.NewProvider(context.Background(), verify.ProviderConfig{Issuer: "https://github.example", Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, op, func(c *login.Config) {
		c.Provider = p
		c.Scopes = []string{"read:user"}
		c.AuthStyle = verify.ClientSecretPost
	})
	b := newBrowser(t)
	if resp := b.login(a, "octocat"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if code, claims := b.me(a); code != 200 || claims["sub"] != "octocat" {
		t.Errorf("/me: %d %v", code, claims)
	}
}

// Two providers in one app share a session manager, each Auth on its own
// paths; a flow started with one cannot be completed at the other.
func TestSeveralProviders(t *testing.T) {
	opA, opB := oidctest.NewServer(), oidctest.NewServer()
	defer opA.Close()
	defer opB.Close()
	store, _ := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	sessions, _ := session.New(session.Config{Store: store})
	mux := http.NewServeMux()
	auths := map[string]*login.Auth{}
	for name, op := range map[string]*oidctest.Server{"a": opA, "b": opB} {
		p, err := verify.Discover(context.Background(), op.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		au, err := login.New(login.Config{Provider: p, Name: name, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
			RedirectURL: "/" + name + "/callback", Sessions: sessions})
		if err != nil {
			t.Fatal(err)
		}
		auths[name] = au
		mux.HandleFunc("GET /"+name+"/login", au.Login)
		mux.HandleFunc("GET /"+name+"/callback", au.Callback)
	}
	mux.Handle("GET /me", auths["a"].Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Write([]byte(s.Provider + ":" + s.Subject))
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := newBrowser(t)
	for name, op := range map[string]*oidctest.Server{"a": opA, "b": opB} {
		resp, _ := b.get(srv.URL+"/"+name+"/login", "text/html")
		cb, err := op.Login("user-"+name, resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := b.get(cb.String(), "text/html"); resp.StatusCode != 302 {
			t.Fatalf("login at %s: %d", name, resp.StatusCode)
		}
		if _, body := b.get(srv.URL+"/me", ""); body != name+":user-"+name {
			t.Errorf("after login at %s: %q", name, body)
		}
	}
	// A flow of provider a completed at b's callback is refused.
	resp, _ := b.get(srv.URL+"/a/login", "text/html")
	cb, _ := opA.Login("x", resp.Header.Get("Location"))
	cross := srv.URL + "/b/callback?" + cb.RawQuery
	if resp, _ := b.get(cross, "text/html"); resp.StatusCode != 400 {
		t.Errorf("provider a's flow at b's callback: %d", resp.StatusCode)
	}
}

// Behind a TLS-terminating proxy, with the option on, the redirect URI is
// built from X-Forwarded-Proto/Host; without it they are ignored.
func TestForwardedHeaders(t *testing.T) {
	for _, trust := range []bool{false, true} {
		a := newApp(t, nil, func(c *login.Config) { c.TrustForwardedHeaders = trust })
		req, _ := http.NewRequest("GET", a.srv.URL+"/login", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "app.example.com")
		resp, _ := newBrowser(t).do(req)
		ru := mustQuery(t, resp.Header.Get("Location")).Get("redirect_uri")
		want := a.srv.URL + "/callback"
		if trust {
			want = "https://app.example.com/callback"
		}
		if ru != want {
			t.Errorf("trust=%v: redirect_uri %q, want %q", trust, ru, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, _ := verify.Discover(context.Background(), op.URL, nil)
	defer p.Close()
	store, _ := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	sessions, _ := session.New(session.Config{Store: store})
	good := login.Config{Provider: p, ClientID: "c", RedirectURL: "/cb", Sessions: sessions}
	for name, mod := range map[string]func(*login.Config){
		"no provider":           func(c *login.Config) { c.Provider = nil },
		"no sessions":           func(c *login.Config) { c.Sessions = nil },
		"no client ID":          func(c *login.Config) { c.ClientID = "" },
		"no redirect":           func(c *login.Config) { c.RedirectURL = "" },
		"relative path":         func(c *login.Config) { c.RedirectURL = "callback" },
		"http to a public host": func(c *login.Config) { c.RedirectURL = "http://app.example/cb" },
		"http to 0.0.0.0":       func(c *login.Config) { c.RedirectURL = "http://0.0.0.0:8080/cb" },
		"another scheme":        func(c *login.Config) { c.RedirectURL = "ftp://app.example/cb" },
		"bad auth style":        func(c *login.Config) { c.AuthStyle = 7 },
		// Extra parameters that would be silently dropped or would
		// override Gatehouse's own.
		"AuthParams state":          func(c *login.Config) { c.AuthParams = url.Values{"state": {"fixed"}} },
		"AuthParams nonce":          func(c *login.Config) { c.AuthParams = url.Values{"nonce": {"fixed"}} },
		"AuthParams code_challenge": func(c *login.Config) { c.AuthParams = url.Values{"code_challenge": {"x"}} },
		"AuthParams two values":     func(c *login.Config) { c.AuthParams = url.Values{"prompt": {"login", "consent"}} },
		"TokenParams code_verifier": func(c *login.Config) { c.TokenParams = url.Values{"code_verifier": {"x"}} },
		"TokenParams client_secret": func(c *login.Config) { c.TokenParams = url.Values{"client_secret": {"x"}} },
		"TokenParams two resources": func(c *login.Config) {
			c.TokenParams = url.Values{"resource": {"https://a.example", "https://b.example"}}
		},
	} {
		c := good
		mod(&c)
		_, err := login.New(c)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.HasPrefix(name, "AuthParams") || strings.HasPrefix(name, "TokenParams") {
			if !strings.Contains(err.Error(), "Params") {
				t.Errorf("%s: the error does not name the field: %v", name, err)
			}
		}
	}
	for _, ok := range []string{"https://app.example/cb", "http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]/cb"} {
		c := good
		c.RedirectURL = ok
		if _, err := login.New(c); err != nil {
			t.Errorf("RedirectURL %s: %v", ok, err)
		}
	}
	good.AuthParams = url.Values{"prompt": {"login"}, "login_hint": {"ada@example.com"}}
	good.TokenParams = url.Values{"resource": {"https://api.example"}}
	if _, err := login.New(good); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// TokenParams reach the code exchange (RFC 8707 resource → the access
// token's audience at oidctest).
func TestTokenParams(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op, func(c *login.Config) { c.TokenParams = url.Values{"resource": {"https://api.example"}} })
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	at := sessionOf(t, a, b).AccessToken
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(at, ".")[1])
	var c struct{ Aud string }
	json.Unmarshal(payload, &c)
	if c.Aud != "https://api.example" {
		t.Errorf("access token aud %q: the resource did not reach the token request", c.Aud)
	}
}
