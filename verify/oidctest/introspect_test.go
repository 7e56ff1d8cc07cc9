package oidctest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// introspect posts token to /introspect as the default client and decodes
// the JSON answer.
func introspect(t *testing.T, s *oidctest.Server, token string) (int, map[string]any) {
	t.Helper()
	resp, body := post(t, s.URL+"/introspect", url.Values{"token": {token}}, s.ClientID, s.ClientSecret)
	var m map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("introspection answer is not JSON: %q", body)
		}
	}
	return resp.StatusCode, m
}

func TestIntrospection(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.OpaqueAccessTokens = true })
	tok := signIn(t, s)
	at, _ := tok["access_token"].(string)
	status, a := introspect(t, s, at)
	if status != http.StatusOK || a["active"] != true || a["token_type"] != "Bearer" || a["sub"] != "alice" ||
		a["client_id"] != s.ClientID || a["aud"] != "api" || a["iss"] != s.Issuer() || a["exp"] == nil || a["iat"] == nil ||
		a["scope"] != "openid profile offline_access" || a["username"] != "alice" {
		t.Fatalf("active access token: %d %v", status, a)
	}
	// A refresh token is active but has no token_type, as oidc-provider answers.
	if _, a := introspect(t, s, tok["refresh_token"].(string)); a["active"] != true || a["token_type"] != nil {
		t.Fatalf("refresh token: %v", a)
	}
	// A JWT from AccessToken is described from its claims.
	if _, a := introspect(t, s, s.AccessToken("bob", "api", "read")); a["active"] != true || a["sub"] != "bob" || a["scope"] != "read" {
		t.Fatalf("AccessToken JWT: %v", a)
	}
	for name, tok := range map[string]string{"unknown": "nope", "foreign JWT": newServer(t).AccessToken("x", "api")} {
		if _, a := introspect(t, s, tok); len(a) != 1 || a["active"] != false {
			t.Errorf("%s: %v", name, a)
		}
	}
	// Revoked: inactive.
	if resp, _ := post(t, s.URL+"/revoke", url.Values{"token": {at}}, s.ClientID, s.ClientSecret); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	if _, a := introspect(t, s, at); a["active"] != false {
		t.Fatalf("revoked: %v", a)
	}
	if s.Count("introspection") != 6 {
		t.Errorf("Count(introspection) = %d", s.Count("introspection"))
	}
}

func TestIntrospectionNeedsClientAuthentication(t *testing.T) {
	s := newServer(t)
	resp, _ := post(t, s.URL+"/introspect", url.Values{"token": {"x"}}, s.ClientID, "wrong")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", resp.StatusCode)
	}
	s.AddClient(oidctest.Client{ID: "spa"})
	resp, _ = post(t, s.URL+"/introspect", url.Values{"token": {"x"}, "client_id": {"spa"}}, "", "")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("public client: %d", resp.StatusCode)
	}
	// client_secret_post works too.
	resp, _ = post(t, s.URL+"/introspect", url.Values{"token": {"x"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("client_secret_post: %d", resp.StatusCode)
	}
}

func TestIntrospectionSwitches(t *testing.T) {
	s := newServer(t)
	at := s.AccessToken("bob", "api")
	s.Set(func(b *oidctest.Behavior) { b.IntrospectionClaims = map[string]any{"aud": "other", "scope": nil} })
	if _, a := introspect(t, s, at); a["aud"] != "other" || a["scope"] != nil {
		t.Fatalf("IntrospectionClaims: %v", a)
	}
	s.Set(func(b *oidctest.Behavior) { b.IntrospectionBody = `{"active":true,"active":false}` })
	if resp, body := post(t, s.URL+"/introspect", url.Values{"token": {at}}, s.ClientID, s.ClientSecret); body != `{"active":true,"active":false}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("IntrospectionBody: %q", body)
	}
	s.Set(func(b *oidctest.Behavior) { b.IntrospectionBody, b.IntrospectionStatus = "", 503 })
	if status, _ := introspect(t, s, at); status != 503 {
		t.Fatalf("IntrospectionStatus: %d", status)
	}
}

func TestIntrospectionJWT(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.IntrospectionJWT = true })
	at := s.AccessToken("bob", "api")
	form := url.Values{"token": {at}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/introspect", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/token-introspection+jwt")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, body := do(t, noRedirects, req)
	if resp.Header.Get("Content-Type") != "application/token-introspection+jwt" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	h, _ := parts(t, body)
	c := verified(t, s, body)
	ti, _ := c["token_introspection"].(map[string]any)
	if h["typ"] != "token-introspection+jwt" || c["iss"] != s.Issuer() || c["aud"] != s.ClientID || c["iat"] == nil ||
		ti["active"] != true || ti["sub"] != "bob" {
		t.Fatalf("JWT answer: %v %v", h, c)
	}
	// Without the Accept header the answer stays JSON.
	if status, a := introspect(t, s, at); status != 200 || a["active"] != true {
		t.Fatalf("plain answer: %d %v", status, a)
	}
}
