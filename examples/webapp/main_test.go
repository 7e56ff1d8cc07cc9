package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/examples/internal/runtest"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// start runs the program with env until the test ends.
func start(t *testing.T, env map[string]string) (string, *runtest.Buffer) {
	return runtest.Start(t, run, env)
}

// browse follows redirects like a browser, submitting oidctest's login form
// when it appears, and returns the final page.
func browse(t *testing.T, c *http.Client, method, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

var hidden = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// submitLogin fills oidctest's form with username.
func submitLogin(t *testing.T, c *http.Client, page *http.Response, body, username string) (*http.Response, string) {
	t.Helper()
	form := url.Values{"username": {username}}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		form.Add(m[1], htmlUnescape(m[2]))
	}
	action := page.Request.URL.ResolveReference(&url.URL{Path: "/authorize"})
	resp, err := c.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// The embedded default: a person's run, click by click, through the login
// form of the in-process provider, /me, and logout.
func TestWebappEmbeddedDefault(t *testing.T) {
	base, out := start(t, map[string]string{"ADDR": "127.0.0.1:0"})
	if !strings.Contains(out.String(), "Open "+base+"/") || !strings.Contains(out.String(), "SESSION_KEY is not set") {
		t.Errorf("start-up output:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, body := browse(t, c, "GET", base+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="login"`) {
		t.Fatalf("home: %d %s", resp.StatusCode, body)
	}
	resp, body = browse(t, c, "GET", base+"/login?return_to=/me")
	if !strings.Contains(body, `id="username"`) {
		t.Fatalf("no login form: %s", body)
	}
	resp, body = submitLogin(t, c, resp, body, "alice")
	var claims map[string]any
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/me" || json.Unmarshal([]byte(body), &claims) != nil || claims["sub"] != "alice" {
		t.Fatalf("after login: %d %s %s", resp.StatusCode, resp.Request.URL, body)
	}
	if _, body := browse(t, c, "GET", base+"/"); !strings.Contains(body, `id="user">alice`) {
		t.Errorf("home after login: %s", body)
	}
	req, _ := http.NewRequest("POST", base+"/logout", nil)
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The provider returns the logout's state, which LoggedOut checked.
	if u := resp.Request.URL; u.Scheme+"://"+u.Host+u.Path != base+"/" || u.Query().Get("state") == "" || !strings.Contains(string(body2), "not signed in") {
		t.Errorf("after logout: %s %s", resp.Request.URL, body2)
	}
	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := browse(t, noRedirect, "GET", base+"/me"); resp.StatusCode != 302 {
		t.Errorf("/me after logout: %d, want a redirect to login", resp.StatusCode)
	}
}

// Against an external issuer, with the env of DESIGN.md §4.
func TestWebappContract(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AutoLogin = "bob" })
	base, _ := start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": op.ClientID,
		"OIDC_CLIENT_SECRET": op.ClientSecret, "SESSION_KEY": strings.Repeat("ab", 32), "OIDC_SCOPES": "openid email"})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, body := browse(t, c, "GET", base+"/me")
	if resp.StatusCode != 200 || !strings.Contains(body, `"sub":"bob"`) {
		t.Errorf("/me through login: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", base+"/me", nil)
	req.Header.Set("Accept", "application/json")
	resp2, _ := (&http.Client{}).Do(req)
	if resp2.StatusCode != 401 {
		t.Errorf("/me for an API client without session: %d", resp2.StatusCode)
	}
}

func TestWebappRejectsBadEnv(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	for name, env := range map[string]map[string]string{
		"no client id":        {"OIDC_ISSUER": op.URL},
		"short session key":   {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "SESSION_KEY": "abcd"},
		"non-hex key":         {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "SESSION_KEY": "zz"},
		"bad auth style":      {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "OIDC_AUTH_STYLE": "jwt"},
		"bad userinfo flag":   {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "OIDC_FETCH_USERINFO": "yes"},
		"reserved param":      {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "OIDC_AUTH_PARAMS": "state=x"},
		"okta without domain": {"OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": "x", "OKTA_CLIENT_ID": "y"},
	} {
		env["ADDR"] = "127.0.0.1:0"
		if err := run(t.Context(), func(k string) string { return env[k] }, io.Discard, nil); err == nil {
			t.Errorf("%s: started", name)
		}
	}
}

// With REDIS_URL, sessions live in Redis: two webapp processes sharing it
// and SESSION_KEY accept each other's logins.
func TestWebappRedis(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "no")
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AutoLogin = "dana" })
	env := map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": op.ClientID,
		"OIDC_CLIENT_SECRET": op.ClientSecret, "SESSION_KEY": strings.Repeat("cd", 32), "REDIS_URL": "redis://" + srv.Addr + "/0"}
	one, out := start(t, env)
	if !strings.Contains(out.String(), "sessions in Redis") {
		t.Errorf("output: %s", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if resp, body := browse(t, c, "GET", one+"/me"); resp.StatusCode != 200 || !strings.Contains(body, `"sub":"dana"`) {
		t.Fatalf("login on the first: %d %s", resp.StatusCode, body)
	}
	two, _ := start(t, env)
	u1, _ := url.Parse(one)
	u2, _ := url.Parse(two)
	jar.SetCookies(u2, jar.Cookies(u1))
	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, body := browse(t, noRedirect, "GET", two+"/me"); resp.StatusCode != 200 || !strings.Contains(body, `"sub":"dana"`) {
		t.Errorf("the first's session on the second: %d %s", resp.StatusCode, body)
	}
}

// A REDIS_URL that points at nothing (no listener), or at a server that
// never answers, stops the start with an error that names the address and
// not the password.
func TestWebappRedisDownAtStart(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	op := oidctest.NewServer()
	defer op.Close()
	for name, addr := range map[string]string{"nothing listening": closed.Addr().String(), "silent": silent.Addr().String()} {
		env := map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": op.ClientID,
			"SESSION_KEY": strings.Repeat("cd", 32), "REDIS_URL": "redis://:hunter2-password@" + addr + "/0"}
		var out bytes.Buffer
		err = run(t.Context(), func(k string) string { return env[k] }, &out, nil)
		if err == nil {
			t.Fatalf("%s: started", name)
		}
		if !strings.Contains(err.Error(), "Redis at "+addr+" does not answer") || strings.Contains(err.Error()+out.String(), "hunter2") {
			t.Errorf("%s: error %q (output %q): want the address named and no password", name, err, out.String())
		}
		if strings.Contains(out.String(), "sessions in Redis") {
			t.Errorf("%s: logged sessions in Redis: %s", name, out.String())
		}
	}
}

// A loopback OIDC_REDIRECT_URL on another host or port than the listen
// address is warned of at start; the default one is not.
func TestWebappWarnsRedirectHost(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	env := map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": op.ClientID,
		"OIDC_CLIENT_SECRET": op.ClientSecret, "SESSION_KEY": strings.Repeat("cd", 32)}
	const warning = "OIDC_REDIRECT_URL is on another host than the listen address"
	if _, out := start(t, env); strings.Contains(out.String(), warning) {
		t.Errorf("warned with the default redirect URL: %s", out)
	}
	env["OIDC_REDIRECT_URL"] = "http://localhost:1/callback"
	if _, out := start(t, env); !strings.Contains(out.String(), warning) || !strings.Contains(out.String(), "redirect_host=localhost:1") {
		t.Errorf("no warning for a redirect URL on localhost: %s", out)
	}
}
