package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The same end-to-end run through every router: the API's answers (RFC
// 6750) and a browser's login, page and logout, against oidctest.
func TestRouters(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	for _, name := range slices.Sorted(maps.Keys(routers)) {
		t.Run(name, func(t *testing.T) {
			base := serveApp(t, op, routers[name])
			t.Run("api", func(t *testing.T) { checkAPI(t, op, base) })
			t.Run("browser", func(t *testing.T) { checkBrowser(t, op, base) })
		})
	}
}

// serveApp serves the app, wired by wire, on a loopback server until the test
// ends, and returns its URL.
func serveApp(t *testing.T, op *oidctest.Server, wire func(*App) http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	app, err := NewApp(t.Context(), Config{Issuer: op.URL, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		BaseURL: base, Audience: "api", HashKey: randomKey(), BlockKey: randomKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	srv.Config.Handler = wire(app)
	srv.Start()
	t.Cleanup(srv.Close)
	return base
}

// checkAPI sends the API the requests of an anonymous caller, a token meant
// for another API, a token without the admin scope and good tokens.
func checkAPI(t *testing.T, op *oidctest.Server, base string) {
	for _, c := range []struct {
		name, path, token string
		status            int
		challenge, sub    string // in WWW-Authenticate; the claims' sub on 200
	}{
		{"no token", "/api/me", "", 401, `Bearer realm="api"`, ""},
		{"no token on the scoped route", "/api/admin", "", 401, `Bearer realm="api"`, ""},
		{"token for another audience", "/api/me", op.AccessToken("alice", "other-api"), 401, `error="invalid_token"`, ""},
		{"token without the scope", "/api/admin", op.AccessToken("alice", "api", "read"), 403, `error="insufficient_scope"`, ""},
		{"good token", "/api/me", op.AccessToken("alice", "api"), 200, "", "alice"},
		{"token with the scope", "/api/admin", op.AccessToken("root", "api", "admin"), 200, "", "root"},
	} {
		req, _ := http.NewRequest("GET", base+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error string `json:"error"`
			Sub   string `json:"sub"`
		}
		dec := json.NewDecoder(resp.Body)
		err = dec.Decode(&body)
		if err == nil && dec.Decode(new(any)) != io.EOF {
			err = io.ErrUnexpectedEOF // a second answer: the chain went on after a refusal
		}
		resp.Body.Close()
		challenge := resp.Header.Get("WWW-Authenticate")
		switch {
		case err != nil || resp.StatusCode != c.status:
			t.Errorf("%s: %d (%v), want %d", c.name, resp.StatusCode, err, c.status)
		case c.status == 200 && body.Sub != c.sub:
			t.Errorf("%s: claims with sub %q, want %q", c.name, body.Sub, c.sub)
		case c.status != 200 && (!strings.HasPrefix(challenge, "Bearer ") || !strings.Contains(challenge, c.challenge)):
			t.Errorf("%s: WWW-Authenticate %q, want %s", c.name, challenge, c.challenge)
		case c.token == "" && strings.Contains(challenge, "error="):
			t.Errorf("%s: WWW-Authenticate %q has an error code (RFC 6750 §3.1: none without a token)", c.name, challenge)
		case c.status == 403 && !strings.Contains(challenge, `scope="admin"`):
			t.Errorf("%s: WWW-Authenticate %q does not name the scope", c.name, challenge)
		}
	}
}

// checkBrowser signs alice in the way a browser does, from the protected
// page through the provider and back, then signs her out.
func checkBrowser(t *testing.T, op *oidctest.Server, base string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "text/html")
		return send(t, c, req)
	}
	resp, _ := get(base + "/account")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/login?return_to=%2Faccount" {
		t.Fatalf("signed out, /account: %d to %q, want 302 into the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(base + resp.Header.Get("Location"))
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, op.URL+"/authorize?") {
		t.Fatalf("/login: %d to %q, want the provider's authorize endpoint", resp.StatusCode, authorize)
	}
	callback, err := op.Login("alice", authorize)
	if err != nil || !strings.HasPrefix(callback.String(), base+"/callback?") {
		t.Fatalf("provider login: %v to %v", err, callback)
	}
	resp, _ = get(callback.String())
	if resp.StatusCode != 302 && resp.StatusCode != 303 || resp.Header.Get("Location") != "/account" {
		t.Fatalf("/callback: %d to %q, want back to /account", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := get(base + "/account"); resp.StatusCode != 200 || !strings.Contains(body, `id="user">alice<`) {
		t.Fatalf("signed in, /account: %d %s", resp.StatusCode, body)
	}

	logout := func(origin string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/logout", nil)
		req.Header.Set("Origin", origin)
		resp, _ := send(t, c, req)
		return resp
	}
	if resp := logout("http://evil.example"); resp.StatusCode != 403 {
		t.Errorf("logout from another site: %d, want 403", resp.StatusCode)
	}
	if resp := logout(base); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), op.URL+"/end_session?") {
		t.Errorf("logout: %d to %q, want the provider's end_session", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(base + "/account"); resp.StatusCode != 302 {
		t.Errorf("signed out, /account: %d, want 302 into the login", resp.StatusCode)
	}
}

// send does req with c and reads the whole answer.
func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}
