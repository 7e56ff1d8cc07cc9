package oidctest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestLoginForm(t *testing.T) {
	s := newServer(t)
	evil := `"><script>alert(1)</script>`
	resp, page := get(t, http.DefaultClient, authURL(s, url.Values{"state": {evil}}))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /authorize: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`method="post" action="/authorize"`, `name="username"`, `id="username"`, `id="login"`, `Sign in</button>`, `name="code_challenge"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("the state is not escaped")
	}

	// Submitting the form, with the hidden fields as a browser would.
	u, _ := url.Parse(authURL(s, url.Values{"state": {evil}}))
	form := u.Query()
	form.Set("username", "bob")
	resp, _ = post(t, s.URL+"/authorize", form, "", "")
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || back.Host != "127.0.0.1:1" || back.Path != "/cb" ||
		back.Query().Get("code") == "" || back.Query().Get("state") != evil || back.Query().Has("iss") {
		t.Fatalf("form submit: %d %s", resp.StatusCode, back)
	}
	status, tok := tokenRequest(t, s, codeForm(back.Query().Get("code")))
	if _, c := parts(t, tok["id_token"]); status != 200 || c["sub"] != "bob" {
		t.Errorf("code from the form: %d %v", status, c)
	}

	// Cancel.
	form.Del("username")
	form.Set("deny", "1")
	resp, _ = post(t, s.URL+"/authorize", form, "", "")
	back, _ = url.Parse(resp.Header.Get("Location"))
	if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != evil || back.Query().Has("code") {
		t.Errorf("cancel: %s", back)
	}
	if s.Count("authorize") != 3 {
		t.Errorf("Count(authorize) = %d", s.Count("authorize"))
	}
}

func TestAutoLoginAndPromptNone(t *testing.T) {
	s := newServer(t)
	resp, _ := get(t, noRedirects, authURL(s, url.Values{"prompt": {"none"}}))
	if back, _ := url.Parse(resp.Header.Get("Location")); back.Query().Get("error") != "login_required" {
		t.Errorf("prompt=none without a session: %d %s", resp.StatusCode, back)
	}
	s.Set(func(b *oidctest.Behavior) { b.AutoLogin = "carol" })
	resp, _ = get(t, noRedirects, authURL(s, nil))
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || back.Query().Get("code") == "" {
		t.Fatalf("AutoLogin: %d %s", resp.StatusCode, back)
	}
	_, tok := tokenRequest(t, s, codeForm(back.Query().Get("code")))
	if _, c := parts(t, tok["id_token"]); c["sub"] != "carol" {
		t.Errorf("AutoLogin user: %v", c["sub"])
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	s := newServer(t)
	s.AddClient(oidctest.Client{ID: "registered", Secret: "x", RedirectURIs: []string{"https://app.example/cb"}})
	// Errors that go back to the client.
	for name, extra := range map[string]url.Values{
		"no PKCE":             {"code_challenge": nil, "code_challenge_method": nil},
		"PKCE plain":          {"code_challenge_method": {"plain"}},
		"PKCE without method": {"code_challenge_method": nil},
		"implicit":            {"response_type": {"token"}},
	} {
		back, err := s.Login("alice", authURL(s, extra))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e := back.Query().Get("error"); e != "invalid_request" && e != "unsupported_response_type" || back.Query().Get("state") != "st" || back.Query().Has("code") {
			t.Errorf("%s: %s", name, back)
		}
	}
	// Errors shown to the user: never a redirect to an unchecked URI.
	for name, extra := range map[string]url.Values{
		"unknown client":          {"client_id": {"nobody"}},
		"no client":               {"client_id": nil},
		"non-loopback redirect":   {"redirect_uri": {"https://evil.example/cb"}},
		"redirect with fragment":  {"redirect_uri": {"http://127.0.0.1:1/cb#x"}},
		"unregistered redirect":   {"client_id": {"registered"}, "redirect_uri": {"https://app.example/other"}},
		"loopback not registered": {"client_id": {"registered"}},
	} {
		if back, err := s.Login("alice", authURL(s, extra)); err == nil {
			t.Errorf("%s: accepted, %s", name, back)
		}
		resp, page := get(t, noRedirects, authURL(s, extra))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, "refused") {
			t.Errorf("%s: GET /authorize %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if back, err := s.Login("alice", authURL(s, url.Values{"client_id": {"registered"}, "redirect_uri": {"https://app.example/cb"}})); err != nil || back.Host != "app.example" {
		t.Errorf("registered redirect URI: %v %v", back, err)
	}
	if back, _ := s.Login("", authURL(s, nil)); back.Query().Get("error") != "access_denied" {
		t.Errorf("Login with no user: %s", back)
	}
	// Missing PKCE is fine when allowed; then no code_verifier may come.
	s.Set(func(b *oidctest.Behavior) { b.AllowMissingPKCE = true })
	code := login(t, s, url.Values{"code_challenge": nil, "code_challenge_method": nil})
	form := codeForm(code)
	form.Del("code_verifier")
	if status, tok := tokenRequest(t, s, form); status != 200 {
		t.Errorf("AllowMissingPKCE: %d %v", status, tok)
	}
}

func TestIssParameter(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.IssParameter = true })
	back, _ := s.Login("alice", authURL(s, nil))
	if back.Query().Get("iss") != s.Issuer() {
		t.Errorf("iss on the code response: %s", back)
	}
	back, _ = s.Login("alice", authURL(s, url.Values{"code_challenge": nil}))
	if back.Query().Get("iss") != s.Issuer() || back.Query().Get("error") == "" {
		t.Errorf("iss on the error response: %s", back)
	}
	s.Set(func(b *oidctest.Behavior) { b.IssParameter, b.IssParameterValue = false, "https://evil.example" })
	if back, _ = s.Login("alice", authURL(s, nil)); back.Query().Get("iss") != "https://evil.example" {
		t.Errorf("IssParameterValue: %s", back)
	}
}
