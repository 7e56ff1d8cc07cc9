package middleware_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
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
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Helpers for the interop tests (interop_test.go): panva's oidc-provider
// run by node from testdata/oidc-provider, a Gatehouse app wired against
// it, and a cookie-jar browser that fills the provider's HTML forms.

const (
	interopResource = "https://api.example.test" // the API's audience (RFC 8707 resource)
	interopClientID = "gatehouse-app"
)

// interopNode finds node and the installed oidc-provider. Without either the
// test is skipped loudly, with interopMissing's "NOT RUN:" line, or fails
// when CI=true.
func interopNode(t testing.TB) (node, dir string) {
	t.Helper()
	node, dir, missing := interopMissing()
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return node, dir
}

// interopMissing finds node and the oidc-provider installed in
// testdata/oidc-provider, or returns the "NOT RUN:" line that says what to
// install or run.
func interopMissing() (node, dir, missing string) {
	dir, err := filepath.Abs(filepath.Join("testdata", "oidc-provider"))
	if err != nil {
		return "", "", "NOT RUN: the oidc-provider interop tests: " + err.Error()
	}
	if node, err = exec.LookPath("node"); err != nil {
		return "", dir, "NOT RUN: the oidc-provider interop tests need node, which is not installed (apt-get install -y nodejs npm, then npm ci in middleware/testdata/oidc-provider)"
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		return node, dir, "NOT RUN: the oidc-provider interop tests need oidc-provider, which is not installed: run npm ci in middleware/testdata/oidc-provider"
	}
	return node, dir, ""
}

// syncBuffer collects a child process's or a logger's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// nodeOP is a running oidc-provider.
type nodeOP struct {
	t      *testing.T
	URL    string // the issuer
	secret string // the client's secret
	node   string
	dir    string
	env    []string
	cmd    *exec.Cmd
	exited chan struct{}
	log    *syncBuffer
}

// opOptions are what server.js is started with.
type opOptions struct {
	appURL      string        // redirect_uri is appURL/callback, post-logout appURL/
	backchannel bool          // backchannel_logout_uri is appURL/backchannel
	atTTL       int           // access-token lifetime, seconds
	dpopNonce   bool          // DPoP proofs at the token endpoint need the provider's nonce
	requirePAR  bool          // the provider requires pushed authorization requests
	maxAge      time.Duration // the app's Config.MaxAge
	env         []string      // more of server.js's variables (DEFAULT_RESOURCE=, AT_FORMAT=opaque)
	clientKey   crypto.Signer // the client authenticates with private_key_jwt and this key (kid "client-1")
}

// startNodeOP starts oidc-provider on a free loopback port, signing with
// keys (the first signs), and stops it when the test ends.
func startNodeOP(t *testing.T, o opOptions, keys ...*rsa.PrivateKey) *nodeOP {
	t.Helper()
	node, dir := interopNode(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	op := &nodeOP{t: t, URL: fmt.Sprintf("http://127.0.0.1:%d", port), secret: "interop-" + randHex(16),
		node: node, dir: dir, log: &syncBuffer{}}
	op.env = append(os.Environ(), "NODE_NO_WARNINGS=1",
		fmt.Sprintf("PORT=%d", port), "CLIENT_ID="+interopClientID, "CLIENT_SECRET="+op.secret,
		"REDIRECT_URI="+o.appURL+"/callback", "POST_LOGOUT_REDIRECT_URI="+o.appURL+"/",
		"RESOURCE="+interopResource, fmt.Sprintf("AT_TTL=%d", o.atTTL))
	if o.backchannel {
		op.env = append(op.env, "BACKCHANNEL_LOGOUT_URI="+o.appURL+"/backchannel")
	}
	if o.dpopNonce {
		op.env = append(op.env, "DPOP_NONCE=1")
	}
	if o.requirePAR {
		op.env = append(op.env, "REQUIRE_PAR=1")
	}
	op.env = append(op.env, o.env...)
	if o.clientKey != nil {
		op.env = append(op.env, "CLIENT_JWKS="+clientJWKS(t, o.clientKey))
	}
	t.Cleanup(func() {
		op.stop()
		if t.Failed() {
			t.Logf("oidc-provider output:\n%s", op.log)
		}
	})
	op.start(keys)
	return op
}

// kid is a key's stable ID: its RFC 7638 thumbprint, the same across
// restarts, so an old key keeps its kid after a rotation.
func kid(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	pub, err := jwk.Import(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

func (op *nodeOP) start(keys []*rsa.PrivateKey) {
	t := op.t
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		key, err := jwk.Import(k)
		if err != nil {
			t.Fatal(err)
		}
		key.Set(jwk.KeyIDKey, kid(t, k))
		key.Set(jwk.AlgorithmKey, jwa.RS256())
		key.Set(jwk.KeyUsageKey, "sig")
		set.AddKey(key)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(op.node, "server.js")
	cmd.Dir = op.dir
	cmd.Env = append(op.env, "JWKS_FILE="+file)
	cmd.Stderr = op.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	op.cmd = cmd
	ready, exited := make(chan struct{}), make(chan struct{})
	op.exited = exited
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(op.log, sc.Text())
			if !signalled && strings.HasPrefix(sc.Text(), "listening") {
				close(ready)
				signalled = true
			}
		}
	}()
	select {
	case <-ready:
	case <-exited:
		cmd.Wait()
		op.cmd = nil
		t.Fatalf("oidc-provider exited before it was ready:\n%s", op.log)
	case <-time.After(20 * time.Second):
		op.stop()
		t.Fatalf("oidc-provider not ready after 20 s:\n%s", op.log)
	}
}

func (op *nodeOP) stop() {
	if op.cmd == nil {
		return
	}
	op.cmd.Process.Kill()
	<-op.exited // the output is read to the end before Wait closes the pipe
	op.cmd.Wait()
	op.cmd = nil
}

// restart runs the provider again, same issuer and client, with a new key
// set. Its in-memory state (sessions, grants, refresh tokens) is lost.
func (op *nodeOP) restart(keys ...*rsa.PrivateKey) {
	op.t.Helper()
	op.stop()
	op.start(keys)
}

// refreshAtProvider presents a refresh token to the provider's token
// endpoint directly and returns the HTTP status and the OAuth error code.
func (op *nodeOP) refreshAtProvider(t *testing.T, rt string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	req, _ := http.NewRequest("POST", op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(interopClientID, op.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

// interopApp is a web app and an API wired with Gatehouse against op.
type interopApp struct {
	srv   *httptest.Server
	op    *nodeOP
	p     *verify.Provider
	auth  *login.Auth
	api   http.Handler // Bearer-protected; answers the token's subject
	key   *rsa.PrivateKey
	errs  chan error // what the ErrorResponder saw
	log   *syncBuffer
	clock testClock // the Auth's clock (Config.Now)

	mu          sync.Mutex
	backchannel []int // statuses of the back-channel logout answers
}

// newInteropApp starts oidc-provider with one fresh signing key and an app
// with routes /login, /callback, POST /logout, POST /backchannel, /me (the
// ID-token claims), /token (the session's tokens) and / (home).
func newInteropApp(t *testing.T, o opOptions) *interopApp {
	t.Helper()
	interopNode(t) // skip before starting anything
	a := &interopApp{errs: make(chan error, 10), log: &syncBuffer{}}
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	a.key, _ = rsa.GenerateKey(rand.Reader, 2048)
	o.appURL = a.srv.URL
	a.op = startNodeOP(t, o, a.key)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Gatehouse log:\n%s", a.log)
		}
	})

	var err error
	a.p, err = verify.Discover(context.Background(), a.op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.p.Close)
	store, err := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	a.auth, err = login.New(login.Config{
		Provider: a.p, ClientID: interopClientID, ClientSecret: a.op.secret,
		RedirectURL: a.srv.URL + "/callback", Sessions: m,
		Scopes:        []string{"openid", "profile", "email", "offline_access", "api:read"},
		RefreshMargin: time.Minute,
		MaxAge:        o.maxAge,
		AuthStyle:     authStyleFor(o.clientKey),
		ClientKey:     clientKeyFor(o.clientKey),
		Now:           a.clock.Now,
		Logger:        slog.New(slog.NewTextHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			select {
			case a.errs <- err:
			default:
			}
			login.WriteAuthError(w, r, err)
		}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{interopResource}, Type: "at+jwt"}, a.p)
	if err != nil {
		t.Fatal(err)
	}
	a.api = bearer.Protect(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Subject))
	}))
	mux.HandleFunc("GET /login", a.auth.Login)
	mux.HandleFunc("GET /callback", a.auth.Callback)
	mux.HandleFunc("POST /logout", a.auth.Logout)
	mux.HandleFunc("POST /backchannel", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		a.auth.BackChannelLogout(rec, r)
		a.mu.Lock()
		a.backchannel = append(a.backchannel, rec.Code)
		a.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	mux.Handle("GET /me", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Write(s.Claims)
	})))
	mux.Handle("GET /token", a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		json.NewEncoder(w).Encode(sessionTokens{AT: s.AccessToken, RT: s.RefreshToken, IDT: s.IDToken, SID: s.SID})
	})))
	mux.Handle("GET /{$}", a.auth.LoggedOut(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("home")) })))
	return a
}

type sessionTokens struct {
	AT, RT, IDT, SID string
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// interopBrowser is a cookie-jar client that follows redirects.
func interopBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 15 * time.Second}
}

func interopGet(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

var (
	formRe  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	attrRe  = regexp.MustCompile(`(?is)\b([a-z_-]+)="([^"]*)"`)
	inputRe = regexp.MustCompile(`(?is)<input\b[^>]*>`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// submitForm POSTs the first form of a page (its inputs, then fill on top)
// and follows the redirects.
func submitForm(t *testing.T, c *http.Client, page *http.Response, body string, fill map[string]string) (*http.Response, string) {
	t.Helper()
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form at %s (%d):\n%.2000s", page.Request.URL, page.StatusCode, body)
	}
	form := url.Values{}
	for _, in := range inputRe.FindAllString(m[2], -1) {
		at := attrs(in)
		if at["name"] != "" {
			form.Set(at["name"], at["value"])
		}
	}
	for k, v := range fill {
		form.Set(k, v)
	}
	action, err := page.Request.URL.Parse(attrs(m[1])["action"])
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func (a *interopApp) onApp(u *url.URL) bool { return "http://"+u.Host == a.srv.URL }

// lastError is the last error the app's ErrorResponder saw, if any.
func (a *interopApp) lastError() error {
	var err error
	for {
		select {
		case e := <-a.errs:
			err = e
		default:
			return err
		}
	}
}

// login signs user in with browser c through the provider's own login and
// consent pages (devInteractions), and expects to land on /me.
func (a *interopApp) login(t *testing.T, c *http.Client, user string) {
	t.Helper()
	resp, body := interopGet(t, c, a.srv.URL+"/login?return_to=/me")
	for i := 0; i < 4 && !a.onApp(resp.Request.URL); i++ {
		resp, body = submitForm(t, c, resp, body, map[string]string{"login": user, "password": "any"})
	}
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/me" {
		t.Fatalf("login ended at %s with %d (%v):\n%.1500s", resp.Request.URL, resp.StatusCode, a.lastError(), body)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(body), &claims); err != nil || claims["sub"] != user {
		t.Fatalf("/me after login: %s", body)
	}
}

// tokens reads the session's tokens through /token.
func (a *interopApp) tokens(t *testing.T, c *http.Client) sessionTokens {
	t.Helper()
	resp, body := interopGet(t, c, a.srv.URL+"/token")
	var s sessionTokens
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &s) != nil {
		t.Fatalf("/token: %d %.500s", resp.StatusCode, body)
	}
	return s
}

// meStatus is /me's status for an API-style request (no redirect to login).
func (a *interopApp) meStatus(t *testing.T, c *http.Client) int {
	t.Helper()
	nc := &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", a.srv.URL+"/me", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := nc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// callAPI calls the Bearer-protected API with token.
func (a *interopApp) callAPI(token string) (int, string) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	a.api.ServeHTTP(w, r)
	return w.Code, strings.TrimSpace(w.Body.String())
}

// jwtHeader decodes a JWT's protected header.
func jwtHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("not a JWT: %.40s…", tok)
	}
	return m
}
