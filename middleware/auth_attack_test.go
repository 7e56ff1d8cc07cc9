package middleware_test

import (
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Every ID-token rejection of DESIGN.md §5, each through a whole login: the
// callback refuses, no session is created.
func TestCallbackRejectsBadIDTokens(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	rows := []struct {
		name string
		set  func(*oidctest.Behavior)
	}{
		{"alg none", func(b *oidctest.Behavior) { b.IDTokenAlg = "none" }},
		{"HS256 with the client secret", func(b *oidctest.Behavior) { b.IDTokenAlg = "HS256" }},
		{"bad signature", func(b *oidctest.Behavior) { b.BadIDTokenSignature = true }},
		{"wrong iss", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"iss": "https://evil.example"} }},
		{"wrong aud", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"aud": "another-client"} }},
		{"several aud, azp another client", func(b *oidctest.Behavior) {
			b.IDTokenClaims = map[string]any{"aud": []string{op.ClientID, "other"}, "azp": "other"}
		}},
		{"expired", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"exp": time.Now().Add(-time.Hour).Unix()} }},
		{"iat in the future", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"iat": time.Now().Add(time.Hour).Unix()} }},
		{"no iat", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"iat": nil} }},
		{"wrong nonce", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"nonce": "guessed"} }},
		{"missing nonce", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"nonce": nil} }},
		{"wrong at_hash", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"} }},
		{"no sub", func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"sub": nil} }},
		{"unknown kid", func(b *oidctest.Behavior) { b.IDTokenHeader = map[string]any{"kid": "nope"} }},
		{"no id_token in the response", func(b *oidctest.Behavior) { b.OmitIDToken = true }},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
			op.Set(tc.set)
			b := newBrowser(t)
			resp := b.login(a, "alice")
			err := a.lastErr()
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("callback: %d, want 502 (%v)", resp.StatusCode, err)
			}
			if !errors.Is(err, verify.ErrProvider) {
				t.Errorf("error %v: want ErrProvider", err)
			}
			if code, _ := b.me(a); code != 401 {
				t.Errorf("a session exists after a rejected login: /me %d", code)
			}
		})
	}
	op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("a correct provider after the table: %d", resp.StatusCode)
	}
}

func TestCallbackIssParameter(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.IssParameter = true })
	a := newApp(t, op)
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("correct iss: %d (%v)", resp.StatusCode, a.lastErr())
	}
	op.Set(func(b *oidctest.Behavior) { b.IssParameterValue = "https://evil.example" })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 400 || !errors.Is(a.lastErr(), login.ErrLoginRequest) {
		t.Errorf("mismatched iss: %d", resp.StatusCode)
	}
	// The provider advertises iss, so a response without it is refused.
	b := newBrowser(t)
	op.Set(func(bh *oidctest.Behavior) { bh.IssParameterValue = "" })
	cb := setParam(t, callbackURL(t, a, "alice", b.startLogin(a, "")), "iss", "")
	if resp, _ := b.get(cb, "text/html"); resp.StatusCode != 400 {
		t.Errorf("missing iss where advertised: %d", resp.StatusCode)
	}
}

func TestCallbackCodeReuse(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	authURL := b.startLogin(a, "")
	cb := callbackURL(t, a, "alice", authURL)
	if resp, _ := b.get(cb, "text/html"); resp.StatusCode != 302 {
		t.Fatal("first use failed")
	}
	// An attacker who saw the callback URL replays it in their own browser
	// after starting a flow of their own: the state does not match theirs.
	evil := newBrowser(t)
	evilAuth := evil.startLogin(a, "")
	replay := setParam(t, cb, "state", mustQuery(t, evilAuth).Get("state"))
	if resp, _ := evil.get(replay, "text/html"); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("replayed code: %d, want 502 from the provider's invalid_grant", resp.StatusCode)
	}
	if code, _ := evil.me(a); code != 401 {
		t.Error("the replayed code gave the attacker a session")
	}
}

func TestCallbackRefusesTokensInQuery(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	cb := callbackURL(t, a, "alice", b.startLogin(a, ""))
	resp, _ := b.get(setParam(t, cb, "access_token", "leaked"), "text/html")
	if resp.StatusCode != 400 {
		t.Errorf("token in the callback query: %d", resp.StatusCode)
	}
}

// The provider's error description reaches the page only escaped, with
// control characters dropped and the client secret removed.
func TestCallbackProviderError(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	state := mustQuery(t, b.startLogin(a, "")).Get("state")
	q := url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {"<script>alert(1)</script>\r\nbad " + a.op.ClientSecret}}
	resp, body := b.get(a.srv.URL+"/callback?"+q.Encode(), "text/html")
	if resp.StatusCode != 403 || !strings.Contains(body, "access_denied") {
		t.Errorf("provider error: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("the page does not escape the provider's description: %s", body)
	}
	if strings.Contains(body, a.op.ClientSecret) || !strings.Contains(body, "bad [redacted]") {
		t.Errorf("the page shows the client secret, or not the cleaned description: %s", body)
	}
}

func TestLoginOpenRedirect(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	for _, rt := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "/%2F%2Fevil.example", "javascript:alert(1)"} {
		resp, _ := b.get(a.srv.URL+"/login?return_to="+url.QueryEscape(rt), "text/html")
		if resp.StatusCode != 400 {
			t.Errorf("return_to %q: %d, want 400", rt, resp.StatusCode)
		}
	}
}

func TestLoginRenewsSessionID(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	b.login(a, "alice")
	id1 := sessionID(t, a, b)
	b.login(a, "alice")
	id2 := sessionID(t, a, b)
	if id1 == "" || id1 == id2 {
		t.Errorf("session IDs %q then %q: want a new one at each login", id1, id2)
	}
}

func sessionID(t testing.TB, a *app, b *browser) string {
	req, _ := http.NewRequest("GET", a.srv.URL+"/", nil)
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	s, err := a.sessions.Load(req)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s.ID
}

func TestTamperedCookieSignsOut(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	b.login(a, "alice")
	u, _ := url.Parse(a.srv.URL)
	var tampered []*http.Cookie
	for _, c := range b.jar.Cookies(u) {
		c.Value = c.Value[:len(c.Value)/2] + "AAAA" + c.Value[len(c.Value)/2+4:]
		tampered = append(tampered, c)
	}
	b.jar.SetCookies(u, tampered)
	resp, body := b.get(a.srv.URL+"/", "text/html")
	if resp.StatusCode != 200 || body != "hello stranger" {
		t.Errorf("tampered cookie: %d %q, want a signed-out 200", resp.StatusCode, body)
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("tampered cookie on /me: %d", code)
	}
}

func TestLogout(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	b.login(a, "alice")
	u, _ := url.Parse(a.srv.URL)
	stolen := b.jar.Cookies(u)

	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	resp, _ := b.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d (%v)", resp.StatusCode, a.lastErr())
	}
	end, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(end.String(), a.op.URL+"/end_session") {
		t.Fatalf("logout redirected to %q, want the end_session endpoint", resp.Header.Get("Location"))
	}
	if end.Query().Get("id_token_hint") == "" || end.Query().Get("post_logout_redirect_uri") != a.srv.URL+"/" {
		t.Errorf("end_session query %v", end.Query())
	}
	if len(a.op.RevokedTokens()) != 1 {
		t.Errorf("revoked %d tokens, want the refresh token", len(a.op.RevokedTokens()))
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("/me after logout: %d", code)
	}
	// A copy of the cookie taken before logout no longer works.
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, stolen)
	thief := newBrowser(t)
	thief.jar = jar
	thief.c.Jar = jar
	if code, _ := thief.me(a); code != 401 {
		t.Errorf("a cookie copied before logout still works: /me %d", code)
	}
}

func TestLogoutRefusesCrossSite(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	b.login(a, "alice")
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if resp, _ := b.do(req); resp.StatusCode != 403 {
			t.Errorf("cross-site logout %v: %d", h, resp.StatusCode)
		}
	}
	if code, _ := b.me(a); code != 200 {
		t.Errorf("the session did not survive the refused logouts: %d", code)
	}
	if resp, _ := b.get(a.srv.URL+"/logout", "text/html"); resp.StatusCode != 405 && resp.StatusCode != 404 {
		t.Errorf("GET /logout: %d", resp.StatusCode)
	}
}

// A large ID token (a 6 KB session) round-trips through chunked cookies.
func TestLargeSessionChunks(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	groups := make([]string, 120)
	for i := range groups {
		groups[i] = "group-with-a-long-name-" + strings.Repeat("x", 10) + string(rune('a'+i%26))
	}
	op.SetUser("alice", map[string]any{"groups": groups})
	a := newApp(t, op)
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	u, _ := url.Parse(a.srv.URL)
	total := 0
	for _, c := range b.jar.Cookies(u) {
		total += len(c.Value)
	}
	if total < 6000 || len(b.jar.Cookies(u)) < 2 {
		t.Errorf("session is %d bytes in %d cookies; want a chunked 6 KB+ session", total, len(b.jar.Cookies(u)))
	}
	code, claims := b.me(a)
	if code != 200 || len(claims["groups"].([]any)) != 120 {
		t.Errorf("/me: %d, %d groups", code, len(claims["groups"].([]any)))
	}
}

// Token responses as real providers send them.
func TestTokenResponseQuirks(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	rows := []struct {
		name string
		set  func(*oidctest.Behavior)
		ttl  time.Duration // the expiry the session must get, roughly
	}{
		{"expires_in as a string", func(b *oidctest.Behavior) { b.ExpiresInAsString = true }, time.Hour},
		{"lowercase token_type", func(b *oidctest.Behavior) { b.LowercaseTokenType = true }, time.Hour},
		{"form-encoded body", func(b *oidctest.Behavior) { b.FormEncodedTokenResponse = true }, time.Hour},
		{"no expires_in", func(b *oidctest.Behavior) { b.OmitExpiresIn = true }, time.Hour},
		{"hours-long access token", func(b *oidctest.Behavior) { b.AccessTokenTTL = 8 * time.Hour }, 8 * time.Hour},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
			op.Set(tc.set)
			b := newBrowser(t)
			if resp := b.login(a, "alice"); resp.StatusCode != 302 {
				t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
			}
			req, _ := http.NewRequest("GET", a.srv.URL+"/", nil)
			for _, c := range b.jar.Cookies(req.URL) {
				req.AddCookie(c)
			}
			s, err := a.sessions.Load(req)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Until(s.Expiry) - tc.ttl; d > time.Minute || d < -time.Minute {
				t.Errorf("session expiry in %v, want about %v", time.Until(s.Expiry), tc.ttl)
			}
			if s.TokenType != "Bearer" || s.AccessToken == "" || s.RefreshToken == "" {
				t.Errorf("session tokens: type %q, access %v, refresh %v", s.TokenType, s.AccessToken != "", s.RefreshToken != "")
			}
		})
	}
}

var _ = verify.ErrInvalid

// A callback parameter given twice is refused (400), whichever value comes
// first: the genuine value first and a forged one after would otherwise
// pass here while a proxy, a log or the provider reads the other.
func TestAttackCallbackDuplicateState(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.IssParameter = true })
	a := newApp(t, op)
	for _, name := range []string{"state", "code", "iss", "error"} {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			cb := callbackURL(t, a, "alice", b.startLogin(a, ""))
			first := mustQuery(t, cb).Get(name)
			if first == "" {
				first = "access_denied" // no error in a successful answer: give it one twice
				cb += "&" + name + "=" + first
			}
			resp, _ := b.get(cb+"&"+name+"=forged", "text/html")
			if err := a.lastErr(); resp.StatusCode != http.StatusBadRequest || !errors.Is(err, login.ErrLoginRequest) {
				t.Errorf("%s twice: %d (%v), want 400 ErrLoginRequest", name, resp.StatusCode, err)
			}
			if code, _ := b.me(a); code != 401 {
				t.Errorf("%s twice gave a session", name)
			}
		})
	}
	// Each given once, they sign in.
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != http.StatusFound {
		t.Fatalf("a correct callback: %d (%v)", resp.StatusCode, a.lastErr())
	}
}

// An https site behind nginx's proxy_pass to 127.0.0.1 gets requests with
// "Host: 127.0.0.1" over plain http, and nothing says https: its login-flow
// and session cookies are Secure and __Host- prefixed all the same, since
// the request never decides.
func TestAttackHostHeaderDowngradesCookieSecurity(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	const redirect = "https://app.example/callback"
	op.AddClient(oidctest.Client{ID: op.ClientID, Secret: op.ClientSecret, RedirectURIs: []string{redirect}})
	a := newApp(t, op, func(c *login.Config) { c.RedirectURL = redirect })
	proxied := func(target string, cookies []*http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", target, nil)
		r.Host = "127.0.0.1"
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		a.srv.Config.Handler.ServeHTTP(w, r)
		return w
	}
	secure := func(step string, w *httptest.ResponseRecorder) []*http.Cookie {
		cs := w.Result().Cookies()
		if len(cs) == 0 {
			t.Fatalf("%s: %d and no cookie (%v)", step, w.Code, a.lastErr())
		}
		for _, c := range cs {
			if !c.Secure || !strings.HasPrefix(c.Name, "__Host-") {
				t.Errorf("%s: cookie %s is not Secure and __Host-", step, c)
			}
		}
		return cs
	}
	w := proxied("/login", nil)
	flow := secure("login", w)
	cb, err := op.Login("alice", w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Host != "app.example" {
		t.Fatalf("the provider redirected to %s", cb)
	}
	w = proxied(cb.RequestURI(), flow)
	if w.Code != http.StatusFound {
		t.Fatalf("callback: %d (%v)", w.Code, a.lastErr())
	}
	secure("callback", w)
}
