package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The token endpoint misbehaving at login: every case ends on a clear error
// page with the right status, quickly, and without a session. Quickly: the
// slow provider would take an hour, so a 504 (and the test ending at all)
// can only come from the client's 2 s timeout (roomy enough for the 5 MB
// answer on a loaded machine); the others answer at once.
func TestFaultsTokenEndpoint(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op, func(c *login.Config) { c.HTTPClient = &http.Client{Timeout: 2 * time.Second} })
	big := `{"access_token":"` + strings.Repeat("x", 5<<20) + `","token_type":"Bearer"}`
	rows := []struct {
		name   string
		set    func(*oidctest.Behavior)
		status int
		code   string
	}{
		{"slow (past the client timeout)", func(b *oidctest.Behavior) { b.TokenDelay = time.Hour }, 504, "provider_timeout"},
		{"500", func(b *oidctest.Behavior) { b.TokenStatus = 500 }, 502, "server_error"},
		{"HTML instead of JSON", func(b *oidctest.Behavior) {
			b.TokenBody, b.TokenContentType = "<html><body>Service Unavailable</body></html>", "text/html"
		}, 502, "provider_error"},
		{"HTML error page with 503", func(b *oidctest.Behavior) {
			b.TokenBody, b.TokenContentType, b.TokenStatus = "<html>down</html>", "text/html", 503
		}, 502, "provider_error"},
		{"5 MB body", func(b *oidctest.Behavior) { b.TokenBody = big }, 502, "provider_error"},
		{"truncated JSON", func(b *oidctest.Behavior) { b.TokenBody = `{"access_token":"abc","token_ty` }, 502, "provider_error"},
		{"200 with an error field", func(b *oidctest.Behavior) { b.TokenBody = `{"error":"invalid_grant","error_description":"nope"}` }, 502, "invalid_grant"},
		{"no access_token", func(b *oidctest.Behavior) { b.TokenBody = `{"token_type":"Bearer"}` }, 502, "provider_error"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
			op.Set(tc.set)
			br := newBrowser(t)
			cb := callbackURL(t, a, "alice", br.startLogin(a, ""))
			resp, body := br.get(cb, "text/html")
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.code) {
				t.Errorf("status %d, want %d with code %s: %s", resp.StatusCode, tc.status, tc.code, body)
			}
			if !errors.Is(a.lastErr(), verify.ErrProvider) {
				t.Error("the error does not match ErrProvider")
			}
			if strings.Contains(body, "xxxxxxxx") || strings.Contains(body, "Service Unavailable") || strings.Contains(body, "token_ty") {
				t.Errorf("the page echoes the provider's body: %s", body)
			}
			if code, _ := br.me(a); code != 401 {
				t.Errorf("a session exists: %d", code)
			}
		})
	}
}

func TestFaultsUserinfoDown(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.UserinfoStatus = 500 })
	a := newApp(t, op, func(c *login.Config) { c.FetchUserinfo = true })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 502 {
		t.Errorf("userinfo down: %d", resp.StatusCode)
	}
}

// The revocation endpoint down during logout: the local session still ends.
func TestFaultsRevocationDownAtLogout(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	b := newBrowser(t)
	b.login(a, "alice")
	op.Set(func(bh *oidctest.Behavior) { bh.RevocationStatus = 503 })
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("session after logout with revocation down: %d", code)
	}
	if op.Count("revocation") != 1 {
		t.Errorf("revocation tried %d times", op.Count("revocation"))
	}
}

// Clock skew between the provider and the app: within the leeway a login
// works, beyond it the ID token is refused.
func TestFaultsClockSkew(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	op.Set(func(b *oidctest.Behavior) {
		b.IDTokenClaims = map[string]any{"iat": time.Now().Add(40 * time.Second).Unix(), "nbf": time.Now().Add(40 * time.Second).Unix()}
	})
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 302 {
		t.Errorf("provider clock 40 s ahead: %d (%v)", resp.StatusCode, a.lastErr())
	}
	op.Set(func(b *oidctest.Behavior) {
		b.IDTokenClaims = map[string]any{"iat": time.Now().Add(3 * time.Minute).Unix()}
	})
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 502 {
		t.Errorf("provider clock 3 min ahead: %d", resp.StatusCode)
	}
	op.Set(func(b *oidctest.Behavior) {
		b.IDTokenClaims = map[string]any{"exp": time.Now().Add(-30 * time.Second).Unix()}
	})
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 302 {
		t.Errorf("provider clock 30 s behind the token's exp: %d", resp.StatusCode)
	}
}

// Oversized input is refused early with 4xx: a huge form body to Bearer or
// to the back-channel endpoint, a huge token.
func TestOversizedInput(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newAPI(t, op, verify.Config{}, bearer.Config{AllowFormToken: true})
	r := httptest.NewRequest("POST", "/me", strings.NewReader("access_token="+strings.Repeat("a", 1<<20)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w, _ := api.do(r); w.Code != 400 {
		t.Errorf("1 MB form body to Bearer: %d", w.Code)
	}
	if w, _ := api.do(get("/me", strings.Repeat("a", 17<<10))); w.Code != 401 {
		t.Errorf("17 KB token: %d", w.Code)
	}
	a := withBackchannel(newApp(t, op))
	resp, err := http.Post(a.srv.URL+"/backchannel", "application/x-www-form-urlencoded", strings.NewReader("logout_token="+strings.Repeat("a", 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("1 MB back-channel body: %d", resp.StatusCode)
	}
}
