package oidctest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func userinfo(t *testing.T, s *oidctest.Server, method, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+"/userinfo", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, body := do(t, http.DefaultClient, req)
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return resp, m
}

func TestUserinfo(t *testing.T) {
	s := newServer(t)
	s.SetUser("alice", map[string]any{"groups": []string{"admins"}, "name": "Alice Liddell"})
	at := signIn(t, s)["access_token"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, info := userinfo(t, s, method, at)
		if resp.StatusCode != 200 || info["sub"] != "alice" || info["name"] != "Alice Liddell" ||
			info["email"] != "alice@example.test" || info["email_verified"] != true || info["groups"] == nil {
			t.Errorf("%s: %d %v", method, resp.StatusCode, info)
		}
	}
	// A token minted by AccessToken is accepted too.
	if resp, info := userinfo(t, s, http.MethodGet, s.AccessToken("dave", "api")); resp.StatusCode != 200 || info["sub"] != "dave" {
		t.Errorf("AccessToken: %d %v", resp.StatusCode, info)
	}
	s.Set(func(b *oidctest.Behavior) { b.UserinfoSub = "mallory" })
	if _, info := userinfo(t, s, http.MethodGet, at); info["sub"] != "mallory" {
		t.Errorf("UserinfoSub: %v", info)
	}
	s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{UserinfoStatus: 502} })
	if resp, _ := userinfo(t, s, http.MethodGet, at); resp.StatusCode != 502 {
		t.Errorf("UserinfoStatus: %d", resp.StatusCode)
	}
	if s.Count("userinfo") != 5 {
		t.Errorf("Count(userinfo) = %d", s.Count("userinfo"))
	}
}

func TestUserinfoRefusals(t *testing.T) {
	s := newServer(t)
	other := oidctest.NewServer()
	defer other.Close()
	_, cc := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}})
	resp, _ := userinfo(t, s, http.MethodGet, "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="oidctest"` {
		t.Errorf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	for name, tok := range map[string]string{
		"unknown":            "nope",
		"ID token":           s.IDToken("alice", s.ClientID, ""),
		"another provider's": other.AccessToken("alice", "api"),
		"client credentials": cc["access_token"].(string),
		"alg none":           s.Sign(oidctest.Token{Alg: "none", Header: map[string]any{"typ": "at+jwt"}, Claims: map[string]any{"iss": s.Issuer(), "sub": "x", "exp": 1 << 40}}),
		"expired":            s.Sign(oidctest.Token{Header: map[string]any{"typ": "at+jwt"}, Claims: map[string]any{"iss": s.Issuer(), "sub": "x", "exp": 1}}),
	} {
		resp, m := userinfo(t, s, http.MethodGet, tok)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || m["error"] != "invalid_token" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}
