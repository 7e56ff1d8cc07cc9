package middleware_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// A typical login (the test provider, openid profile email, with a refresh
// token) fits in one session cookie of under 4 KB, attributes included:
// one cookie under every browser's limit and far under a proxy's 8 KB
// header line.
func TestTypicalLoginFitsOneCookie(t *testing.T) {
	a := newApp(t, nil)
	b := newBrowser(t)
	resp := b.login(a, "alice")
	if resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	var session []string
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "__Host-gatehouse=") || strings.HasPrefix(line, "__Host-gatehouse_") && !strings.Contains(line, "_flow_") {
			if !strings.Contains(line, "Max-Age=0") {
				session = append(session, line)
			}
		}
	}
	if len(session) != 1 {
		t.Fatalf("session cookies %d, want 1: %q", len(session), session)
	}
	if n := len(session[0]); n >= 4096 {
		t.Errorf("session cookie %d bytes with attributes, want under 4096", n)
	}
	r := httptest.NewRequest("GET", a.srv.URL+"/me", nil)
	r.Header.Set("Cookie", cookieHeader(a, b))
	s, err := a.sessions.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.RefreshToken == "" || s.IDToken == "" {
		t.Error("the typical login must carry an ID token and a refresh token")
	}
	t.Logf("session cookie: %d bytes with attributes", len(session[0]))
}
