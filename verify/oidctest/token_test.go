package oidctest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestCodeFlow(t *testing.T) {
	s := newServer(t)
	s.SetUser("alice", map[string]any{"groups": []string{"admins"}, "iss": "ignored"})
	tok := signIn(t, s)
	if tok["token_type"] != "Bearer" || tok["expires_in"] != 3600.0 || tok["refresh_token"] == nil ||
		tok["scope"] != "openid profile offline_access" {
		t.Errorf("token response %v", tok)
	}
	at := verified(t, s, tok["access_token"])
	if at["sub"] != "alice" || at["aud"] != "api" || at["client_id"] != s.ClientID || at["scope"] != "openid profile offline_access" {
		t.Errorf("access token claims %v", at)
	}
	c := verified(t, s, tok["id_token"])
	if c["iss"] != s.Issuer() || c["sub"] != "alice" || c["azp"] != s.ClientID || c["nonce"] != "nn" ||
		c["sid"] == nil || c["sid"] != at["sid"] || c["auth_time"] == nil || c["exp"] == nil || c["iat"] == nil ||
		c["email"] != "alice@example.test" || c["email_verified"] != true || c["groups"] == nil {
		t.Errorf("ID token claims %v", c)
	}
	if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != s.ClientID {
		t.Errorf("aud %v", c["aud"])
	}
	sum := sha256.Sum256([]byte(tok["access_token"].(string)))
	if c["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) {
		t.Errorf("at_hash %v", c["at_hash"])
	}
	if n := s.Count("token:authorization_code"); n != 1 || s.Count("token") != 1 || s.Count("authorize") != 1 {
		t.Errorf("counts: code %d token %d authorize %d", n, s.Count("token"), s.Count("authorize"))
	}
	// Without openid: plain OAuth, no ID token.
	_, tok = tokenRequest(t, s, codeForm(login(t, s, url.Values{"scope": {"read"}})))
	if tok["id_token"] != nil || tok["refresh_token"] == nil {
		t.Errorf("no openid scope: %v", tok)
	}
	// RFC 8707 resource on the token request sets the access token's aud.
	form := codeForm(login(t, s, nil))
	form.Set("resource", "https://api.example")
	if _, tok = tokenRequest(t, s, form); verified(t, s, tok["access_token"])["aud"] != "https://api.example" {
		t.Errorf("resource: %v", tok)
	}
}

func TestCodeExchangeRefusals(t *testing.T) {
	s := newServer(t)
	for name, change := range map[string]func(url.Values){
		"wrong verifier":     func(f url.Values) { f.Set("code_verifier", "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww") },
		"no verifier":        func(f url.Values) { f.Del("code_verifier") },
		"short verifier":     func(f url.Values) { f.Set("code_verifier", "v") },
		"wrong redirect_uri": func(f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:2/cb") },
		"no redirect_uri":    func(f url.Values) { f.Del("redirect_uri") },
		"unknown code":       func(f url.Values) { f.Set("code", "nope") },
	} {
		form := codeForm(login(t, s, nil))
		change(form)
		if status, m := tokenRequest(t, s, form); status != 400 || m["error"] != "invalid_grant" {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	// A code is single use even after a failed attempt.
	form := codeForm(login(t, s, nil))
	form.Set("code_verifier", "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww")
	tokenRequest(t, s, form)
	form.Set("code_verifier", verifier)
	if status, _ := tokenRequest(t, s, form); status != 400 {
		t.Errorf("a burnt code: %d", status)
	}
	// Another client cannot exchange the default client's code.
	s.AddClient(oidctest.Client{ID: "other", Secret: "other-secret"})
	resp, _ := post(t, s.URL+"/token", codeForm(login(t, s, nil)), "other", "other-secret")
	if resp.StatusCode != 400 {
		t.Errorf("another client's code: %d", resp.StatusCode)
	}
	if status, m := tokenRequest(t, s, url.Values{"grant_type": {"password"}}); status != 400 || m["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %d %v", status, m)
	}
}

func TestCodeReuseRevokesTokens(t *testing.T) {
	s := newServer(t)
	form := codeForm(login(t, s, nil))
	_, tok := tokenRequest(t, s, form)
	if resp, _ := get(t, http.DefaultClient, s.URL+"/userinfo", "Authorization", "Bearer "+tok["access_token"].(string)); resp.StatusCode != 200 {
		t.Fatalf("userinfo before reuse: %d", resp.StatusCode)
	}
	if status, m := tokenRequest(t, s, form); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d %v", status, m)
	}
	if status, _ := tokenRequest(t, s, refreshForm(tok["refresh_token"])); status != 400 {
		t.Errorf("refresh after code reuse: %d, want 400", status)
	}
	if resp, _ := get(t, http.DefaultClient, s.URL+"/userinfo", "Authorization", "Bearer "+tok["access_token"].(string)); resp.StatusCode != 401 {
		t.Errorf("userinfo after code reuse: %d, want 401", resp.StatusCode)
	}
}

func TestClientAuthentication(t *testing.T) {
	s := newServer(t)
	const id, secret = "svc:1 ä", "p@ss w%rd/+=:&"
	s.AddClient(oidctest.Client{ID: id, Secret: secret})
	cc := url.Values{"grant_type": {"client_credentials"}}
	// client_secret_basic: form-url-encoded, then base64 (RFC 6749 §2.3.1).
	if resp, body := post(t, s.URL+"/token", cc, url.QueryEscape(id), url.QueryEscape(secret)); resp.StatusCode != 200 {
		t.Errorf("client_secret_basic with special characters: %d %s", resp.StatusCode, body)
	}
	// client_secret_post.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if resp, body := post(t, s.URL+"/token", form, "", ""); resp.StatusCode != 200 {
		t.Errorf("client_secret_post: %d %s", resp.StatusCode, body)
	}
	for name, try := range map[string]func() (*http.Response, string){
		"wrong secret":      func() (*http.Response, string) { return post(t, s.URL+"/token", cc, url.QueryEscape(id), "wrong") },
		"unencoded secret":  func() (*http.Response, string) { return post(t, s.URL+"/token", cc, url.QueryEscape(id), secret) },
		"unknown client":    func() (*http.Response, string) { return post(t, s.URL+"/token", cc, "nobody", "x") },
		"no authentication": func() (*http.Response, string) { return post(t, s.URL+"/token", cc, "", "") },
		"wrong post secret": func() (*http.Response, string) {
			return post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"x"}}, "", "")
		},
	} {
		resp, body := try()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(body, `"error":"invalid_client"`) ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %q %s", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	// Two methods at once.
	if resp, body := post(t, s.URL+"/token", form, url.QueryEscape(id), url.QueryEscape(secret)); resp.StatusCode != 400 {
		t.Errorf("basic and post together: %d %s", resp.StatusCode, body)
	}
	// A public client authenticates by client_id, and cannot use client_credentials.
	s.AddClient(oidctest.Client{ID: "spa"})
	if resp, body := post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"spa"}}, "", ""); resp.StatusCode != 400 || !strings.Contains(body, "unauthorized_client") {
		t.Errorf("public client, client_credentials: %d %s", resp.StatusCode, body)
	}
	back, _ := s.Login("alice", authURL(s, url.Values{"client_id": {"spa"}}))
	form = codeForm(back.Query().Get("code"))
	form.Set("client_id", "spa")
	if resp, body := post(t, s.URL+"/token", form, "", ""); resp.StatusCode != 200 {
		t.Errorf("public client, code: %d %s", resp.StatusCode, body)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	s := newServer(t)
	tok := signIn(t, s)
	first := verified(t, s, tok["id_token"])
	rt1 := tok["refresh_token"]
	status, r2 := tokenRequest(t, s, refreshForm(rt1))
	if status != 200 || r2["refresh_token"] == nil || r2["refresh_token"] == rt1 || r2["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %d %v", status, r2)
	}
	c := verified(t, s, r2["id_token"])
	if c["iss"] != first["iss"] || c["sub"] != first["sub"] || c["sid"] != first["sid"] || c["auth_time"] != first["auth_time"] || c["nonce"] != nil {
		t.Errorf("refreshed ID token %v, first %v", c, first)
	}
	// rt1 again: reuse; the grant is revoked, so rt2 and its access token die too.
	if status, m := tokenRequest(t, s, refreshForm(rt1)); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("reused refresh token: %d %v", status, m)
	}
	if status, _ := tokenRequest(t, s, refreshForm(r2["refresh_token"])); status != 400 {
		t.Errorf("refresh token of a revoked grant: %d", status)
	}
	if resp, _ := get(t, http.DefaultClient, s.URL+"/userinfo", "Authorization", "Bearer "+r2["access_token"].(string)); resp.StatusCode != 401 {
		t.Errorf("access token of a revoked grant: %d", resp.StatusCode)
	}
	if s.Count("token:refresh_token") != 3 {
		t.Errorf("Count(token:refresh_token) = %d", s.Count("token:refresh_token"))
	}
}

func TestRefreshSwitchesAndScope(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.DisableRefreshRotation = true })
	tok := signIn(t, s)
	for range 2 {
		if status, r := tokenRequest(t, s, refreshForm(tok["refresh_token"])); status != 200 || r["refresh_token"] != tok["refresh_token"] {
			t.Errorf("without rotation: %d %v", status, r)
		}
	}
	s.Set(func(b *oidctest.Behavior) { b.DisableRefreshRotation, b.DisableReuseDetection = false, true })
	tok = signIn(t, s)
	_, r2 := tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	if status, _ := tokenRequest(t, s, refreshForm(tok["refresh_token"])); status != 400 {
		t.Errorf("without reuse detection, a used token: %d", status)
	}
	if status, _ := tokenRequest(t, s, refreshForm(r2["refresh_token"])); status != 200 {
		t.Errorf("without reuse detection, the grant survives: %d", status)
	}
	// Scope may narrow, never widen.
	tok = signIn(t, s)
	form := refreshForm(tok["refresh_token"])
	form.Set("scope", "openid admin")
	if status, m := tokenRequest(t, s, form); status != 400 || m["error"] != "invalid_scope" {
		t.Errorf("wider scope: %d %v", status, m)
	}
	form.Set("scope", "profile")
	status, r := tokenRequest(t, s, form)
	if status != 200 || r["scope"] != "profile" || verified(t, s, r["access_token"])["scope"] != "profile" {
		t.Errorf("narrower scope: %d %v", status, r)
	}
	// Another client cannot use the refresh token.
	s.AddClient(oidctest.Client{ID: "other", Secret: "other-secret"})
	if resp, _ := post(t, s.URL+"/token", refreshForm(r["refresh_token"]), "other", "other-secret"); resp.StatusCode != 400 {
		t.Errorf("another client's refresh token: %d", resp.StatusCode)
	}
}

func TestClientCredentials(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		params url.Values
		aud    any
	}{
		{url.Values{}, "api"},
		{url.Values{"audience": {"https://a.example"}}, "https://a.example"},
		{url.Values{"resource": {"https://r.example"}}, "https://r.example"},
		{url.Values{"resource": {"https://r.example"}, "audience": {"https://a.example"}}, "https://r.example"},
		{url.Values{"resource": {"https://r1.example", "https://r2.example"}}, []any{"https://r1.example", "https://r2.example"}},
	} {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		for k, v := range tc.params {
			form[k] = v
		}
		status, tok := tokenRequest(t, s, form)
		if status != 200 || tok["refresh_token"] != nil || tok["id_token"] != nil || tok["scope"] != "read" {
			t.Fatalf("%v: %d %v", tc.params, status, tok)
		}
		c := verified(t, s, tok["access_token"])
		if !equalAud(c["aud"], tc.aud) || c["scope"] != "read" || c["sub"] != s.ClientID || c["client_id"] != s.ClientID {
			t.Errorf("%v: claims %v", tc.params, c)
		}
	}
	s.Set(func(b *oidctest.Behavior) { b.Audience = "https://default.example" })
	_, tok := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}})
	if verified(t, s, tok["access_token"])["aud"] != "https://default.example" {
		t.Error("Audience")
	}
	if s.Count("token:client_credentials") != 6 {
		t.Errorf("Count(token:client_credentials) = %d", s.Count("token:client_credentials"))
	}
}

func equalAud(got, want any) bool {
	g, ok1 := got.([]any)
	w, ok2 := want.([]any)
	if ok1 && ok2 {
		return slices.Equal(g, w)
	}
	return got == want
}
