package middleware_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// The interop tests run Gatehouse's real handlers against panva's
// oidc-provider (OpenID Certified), an implementation we did not write.

const interopResource = "https://api.example.test"

// nodeOP is a running oidc-provider.
type nodeOP struct {
	t    *testing.T
	URL  string
	port int
	env  []string
	dir  string
	cmd  *exec.Cmd
}

func interopDir(t *testing.T) (node, dir string) {
	t.Helper()
	dir, _ = filepath.Abs("testdata/oidc-provider")
	node, err := exec.LookPath("node")
	var missing string
	switch {
	case err != nil:
		missing = "node is not installed"
	default:
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
			missing = "run `npm ci` in middleware/testdata/oidc-provider"
		}
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("oidc-provider interop: " + missing)
		}
		t.Skip("SKIP: oidc-provider interop tests NOT RUN: " + missing)
	}
	return node, dir
}

// startNodeOP starts oidc-provider for a client whose callback is
// appURL/callback, signing with keys (the first signs).
func startNodeOP(t *testing.T, appURL, clientID, secret string, atTTL int, keys ...*rsa.PrivateKey) *nodeOP {
	t.Helper()
	node, dir := interopDir(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	op := &nodeOP{t: t, port: port, URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir}
	op.env = append(os.Environ(), "PORT="+fmt.Sprint(port), "CLIENT_ID="+clientID, "CLIENT_SECRET="+secret,
		"REDIRECT_URI="+appURL+"/callback", "POST_LOGOUT_REDIRECT_URI="+appURL+"/", "RESOURCE="+interopResource,
		"AT_TTL="+fmt.Sprint(atTTL), "NODE_NO_WARNINGS=1")
	op.start(node, keys)
	t.Cleanup(op.stop)
	return op
}

func (op *nodeOP) start(node string, keys []*rsa.PrivateKey) {
	t := op.t
	t.Helper()
	set := jwk.NewSet()
	for i, k := range keys {
		key, err := jwk.Import(k)
		if err != nil {
			t.Fatal(err)
		}
		key.Set(jwk.KeyIDKey, fmt.Sprintf("interop-%d-%d", time.Now().UnixNano(), i))
		key.Set(jwk.AlgorithmKey, jwa.RS256())
		key.Set(jwk.KeyUsageKey, "sig")
		set.AddKey(key)
	}
	b, _ := json.Marshal(set)
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "server.js")
	cmd.Dir = op.dir
	cmd.Env = append(op.env, "JWKS_FILE="+file)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	op.cmd = cmd
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		op.stop()
		t.Fatal("oidc-provider did not start")
	}
}

func (op *nodeOP) stop() {
	if op.cmd != nil && op.cmd.Process != nil {
		op.cmd.Process.Kill()
		op.cmd.Wait()
		op.cmd = nil
	}
}

// restart runs the provider again on the same port with a new key set.
func (op *nodeOP) restart(keys ...*rsa.PrivateKey) {
	op.stop()
	node, _ := interopDir(op.t)
	op.start(node, keys)
}

// interopApp is a web app and an API wired with Gatehouse against op.
type interopApp struct {
	srv  *httptest.Server
	auth *middleware.Auth
	m    *session.Manager
	api  http.Handler
	errs chan error
}

func newInteropApp(t *testing.T, atTTL int) (*interopApp, *nodeOP, *rsa.PrivateKey) {
	t.Helper()
	a := &interopApp{errs: make(chan error, 10)}
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	secret := "interop-" + randHex(16)
	op := startNodeOP(t, a.srv.URL, "gatehouse-app", secret, atTTL, key)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	store, _ := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	a.m, _ = session.New(session.Config{Store: store})
	a.auth, err = middleware.New(middleware.Config{Provider: p, ClientID: "gatehouse-app", ClientSecret: secret,
		RedirectURL: a.srv.URL + "/callback", Sessions: a.m,
		Scopes: []string{"openid", "profile", "email", "offline_access", "api:read"},
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			select {
			case a.errs <- err:
			default:
			}
			middleware.WriteAuthError(w, r, err)
		}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{interopResource}, Type: "at+jwt"}, p)
	if err != nil {
		t.Fatal(err)
	}
	a.api = middleware.Bearer(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := middleware.Token(r.Context())
		w.Write([]byte(tok.Subject))
	}))
	mux.HandleFunc("GET /login", a.auth.Login)
	mux.HandleFunc("GET /callback", a.auth.Callback)
	mux.HandleFunc("POST /logout", a.auth.Logout)
	mux.Handle("GET /me", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r.Context())
		w.Write(s.Claims)
	})))
	mux.Handle("GET /token", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r.Context())
		json.NewEncoder(w).Encode(map[string]string{"at": s.AccessToken, "rt": s.RefreshToken, "idt": s.IDToken})
	})))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("home")) })
	return a, op, key
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

var (
	formRe  = regexp.MustCompile(`(?s)<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>`)
	inputRe = regexp.MustCompile(`<input[^>]*>`)
	nameRe  = regexp.MustCompile(`name="([^"]*)"`)
	valueRe = regexp.MustCompile(`value="([^"]*)"`)
)

// submitForm POSTs the first form of page, with fill applied, and follows
// redirects.
func submitForm(t *testing.T, c *http.Client, page *http.Response, body string, fill map[string]string) (*http.Response, string) {
	t.Helper()
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form at %s:\n%.2000s", page.Request.URL, body)
	}
	form := url.Values{}
	for _, in := range inputRe.FindAllString(m[2], -1) {
		name, value := nameRe.FindStringSubmatch(in), valueRe.FindStringSubmatch(in)
		if name == nil {
			continue
		}
		v := ""
		if value != nil {
			v = html.UnescapeString(value[1])
		}
		form.Set(name[1], v)
	}
	for k, v := range fill {
		form.Set(k, v)
	}
	if strings.Contains(m[2], `name="logout"`) {
		form.Set("logout", "yes")
	}
	action, _ := page.Request.URL.Parse(html.UnescapeString(m[1]))
	resp, err := c.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func follow(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// interopLogin signs user in through the provider's own login and consent
// pages and returns the browser.
func interopLogin(t *testing.T, a *interopApp, user string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	resp, body := follow(t, c, a.srv.URL+"/login?return_to=/me")
	for range 4 {
		if resp.Request.URL.Host == strings.TrimPrefix(a.srv.URL, "http://") {
			break
		}
		resp, body = submitForm(t, c, resp, body, map[string]string{"login": user, "password": "any"})
	}
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/me" {
		select {
		case err := <-a.errs:
			t.Fatalf("login ended at %s with %d: %v\n%.1500s", resp.Request.URL, resp.StatusCode, err, body)
		default:
			t.Fatalf("login ended at %s with %d:\n%.1500s", resp.Request.URL, resp.StatusCode, body)
		}
	}
	return c
}

func tokensOf(t *testing.T, a *interopApp, c *http.Client) map[string]string {
	t.Helper()
	resp, body := follow(t, c, a.srv.URL+"/token")
	var m map[string]string
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &m) != nil {
		t.Fatalf("/token: %d %s", resp.StatusCode, body)
	}
	return m
}

func callAPI(a *interopApp, token string) (int, string) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	a.api.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestInteropLoginMeAPILogout(t *testing.T) {
	a, op, _ := newInteropApp(t, 3600)
	c := interopLogin(t, a, "alice")
	resp, body := follow(t, c, a.srv.URL+"/me")
	var claims map[string]any
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &claims) != nil || claims["sub"] != "alice" {
		t.Fatalf("/me: %d %s", resp.StatusCode, body)
	}
	toks := tokensOf(t, a, c)
	if toks["rt"] == "" {
		t.Error("no refresh token in the session")
	}
	// The provider's JWT access token (typ at+jwt, aud = the resource)
	// passes the bearer API; its ID token does not.
	if code, sub := callAPI(a, toks["at"]); code != 200 || sub != "alice" {
		t.Errorf("API with the provider's access token: %d %s", code, sub)
	}
	if code, _ := callAPI(a, toks["idt"]); code != 401 {
		t.Errorf("API with an ID token: %d, want 401", code)
	}
	// Logout: RP-initiated at the provider, through its confirmation page.
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	resp2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if !strings.HasPrefix(resp2.Request.URL.String(), op.URL) {
		t.Fatalf("logout went to %s, not the provider", resp2.Request.URL)
	}
	if strings.Contains(string(b2), "<form") {
		resp2, _ = submitForm(t, c, resp2, string(b2), nil)
	}
	if resp2.Request.URL.String() != a.srv.URL+"/" {
		t.Errorf("after logout the browser is at %s", resp2.Request.URL)
	}
	noRedirect := &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ = http.NewRequest("GET", a.srv.URL+"/me", nil)
	req.Header.Set("Accept", "application/json")
	if resp, _ := noRedirect.Do(req); resp.StatusCode != 401 {
		t.Errorf("/me after logout: %d", resp.StatusCode)
	}
}

func TestInteropRefreshRotation(t *testing.T) {
	a, op, _ := newInteropApp(t, 30) // inside Gatehouse's 1-minute refresh margin
	c := interopLogin(t, a, "bob")
	before := tokensOf(t, a, c) // this request already refreshed once
	after := tokensOf(t, a, c)
	if before["rt"] == after["rt"] || before["at"] == after["at"] {
		t.Fatalf("no rotation: refresh tokens %q -> %q", before["rt"][:8], after["rt"][:8])
	}
	if code, sub := callAPI(a, after["at"]); code != 200 || sub != "bob" {
		t.Errorf("API with the refreshed access token: %d %s", code, sub)
	}
	// The rotated-out refresh token is dead at the provider.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {before["rt"]}}
	req, _ := http.NewRequest("POST", op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("gatehouse-app", op.secret())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("the rotated-out refresh token at the provider: %d, want 400", resp.StatusCode)
	}
}

// secret is the client secret the provider was started with.
func (op *nodeOP) secret() string {
	for _, e := range op.env {
		if v, ok := strings.CutPrefix(e, "CLIENT_SECRET="); ok {
			return v
		}
	}
	return ""
}

func TestInteropClientCredentialsAndKeyRotation(t *testing.T) {
	a, op, oldKey := newInteropApp(t, 3600)
	secret := op.secret()
	cc := func() string {
		tr, err := middleware.NewTransport(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: "gatehouse-app",
			ClientSecret: secret, Scopes: []string{"api:read"}, EndpointParams: url.Values{"resource": {interopResource}}})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tr.Token(context.Background())
		if err != nil {
			t.Fatalf("client credentials at oidc-provider: %v", err)
		}
		return tok
	}
	if code, sub := callAPI(a, cc()); code != 200 || sub != "gatehouse-app" {
		t.Errorf("API with a client-credentials token: %d %q", code, sub)
	}
	// Key rotation at the provider: a new key signs, the old one stays
	// published; Gatehouse picks the new kid up on first sight.
	newKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	op.restart(newKey, oldKey)
	if code, sub := callAPI(a, cc()); code != 200 || sub != "gatehouse-app" {
		t.Errorf("API with a token under the rotated key: %d %q", code, sub)
	}
}
