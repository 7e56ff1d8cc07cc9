package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Several providers configured: the home page offers a "Sign in with …"
// button per catalogue provider besides the OIDC_ISSUER one, and each signs
// the user in through its own routes into the shared session. GitLab (a
// self-managed address) stands for the catalogue: its preset can point at
// a test provider, one answering like GitLab with groups at userinfo.
func TestWebappChooser(t *testing.T) {
	main, gitlab := oidctest.NewServer(), oidctest.NewServer()
	defer main.Close()
	defer gitlab.Close()
	gitlab.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"gl-alice","groups":["infra"]}` })
	gitlab.SetUser("alice", map[string]any{"sub": "gl-alice"})
	base, _ := start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": main.URL, "OIDC_CLIENT_ID": main.ClientID,
		"OIDC_CLIENT_SECRET": main.ClientSecret, "GITLAB_URL": gitlab.URL, "GITLAB_CLIENT_ID": gitlab.ClientID,
		"GITLAB_CLIENT_SECRET": gitlab.ClientSecret})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body := browse(t, c, "GET", base+"/")
	if !strings.Contains(body, `id="login"`) || !strings.Contains(body, `href="/login/gitlab?return_to=/me">Sign in with GitLab`) {
		t.Fatalf("home: %s", body)
	}
	resp, body := browse(t, c, "GET", base+"/login/gitlab?return_to=/me")
	if !strings.HasPrefix(resp.Request.URL.String(), gitlab.URL) {
		t.Fatalf("/login/gitlab went to %s", resp.Request.URL)
	}
	resp, body = submitLogin(t, c, resp, body, "alice")
	var claims map[string]any
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/me" || json.Unmarshal([]byte(body), &claims) != nil ||
		claims["sub"] != "gl-alice" || claims["iss"] != gitlab.URL {
		t.Fatalf("after GitLab login: %d %s %s", resp.StatusCode, resp.Request.URL, body)
	}
	if _, body := browse(t, c, "GET", base+"/"); !strings.Contains(body, `id="user"`) {
		t.Errorf("home after login: %s", body)
	}
}

// What a user must choose per provider comes from the environment: here
// client_secret_post for a provider refusing Basic, userinfo merged, and an
// extra authorization parameter the provider sees.
func TestWebappProviderOptions(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OnlyClientSecretPost = true })
	op.SetUser("alice", map[string]any{})
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"alice","favourite":"tea"}` })
	base, _ := start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "OIDC_CLIENT_ID": op.ClientID,
		"OIDC_CLIENT_SECRET": op.ClientSecret, "OIDC_AUTH_STYLE": "post", "OIDC_FETCH_USERINFO": "true",
		"OIDC_AUTH_PARAMS": "ui_locales=fr"})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, body := browse(t, c, "GET", base+"/login?return_to=/me")
	if resp.Request.URL.Query().Get("ui_locales") != "fr" {
		t.Errorf("authorization request %s", resp.Request.URL)
	}
	resp, body = submitLogin(t, c, resp, body, "alice")
	var claims map[string]any
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &claims) != nil || claims["favourite"] != "tea" {
		t.Errorf("after login: %d %s", resp.StatusCode, body)
	}
}
