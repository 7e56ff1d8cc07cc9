package oidctest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// push posts the parameters of authURL(s, extra) to /par as the default
// client and returns the status and answer.
func push(t *testing.T, s *oidctest.Server, extra url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	u, _ := url.Parse(authURL(s, extra))
	resp, body := post(t, s.URL+"/par", u.Query(), user, pass)
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return resp.StatusCode, m
}

func TestPushedAuthorizationRequest(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.RequirePAR = true })
	_, doc := get(t, http.DefaultClient, s.URL+"/.well-known/openid-configuration")
	if !strings.Contains(doc, `"pushed_authorization_request_endpoint":"`+s.URL+`/par"`) || !strings.Contains(doc, `"require_pushed_authorization_requests":true`) {
		t.Errorf("discovery: %s", doc)
	}
	// Not pushed: refused with invalid_request.
	back, err := s.Login("alice", authURL(s, nil))
	if err != nil || back.Query().Get("error") != "invalid_request" {
		t.Fatalf("unpushed request: %v %v", back, err)
	}
	status, ans := push(t, s, nil, s.ClientID, s.ClientSecret)
	uri, _ := ans["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || ans["expires_in"] != 60.0 {
		t.Fatalf("push: %d %v", status, ans)
	}
	// The browser carries client_id and request_uri only.
	only := s.URL + "/authorize?" + url.Values{"client_id": {s.ClientID}, "request_uri": {uri}}.Encode()
	back, err = s.Login("alice", only)
	if err != nil || back.Query().Get("code") == "" || back.Query().Get("state") != "st" {
		t.Fatalf("pushed request: %v %v", back, err)
	}
	st, tok := tokenRequest(t, s, codeForm(back.Query().Get("code")))
	if st != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("code exchange: %d %v", st, tok)
	}
	// A request_uri gives one code.
	if _, err := s.Login("alice", only); err == nil {
		t.Error("a used request_uri was accepted again")
	}
	if s.Count("par") != 1 {
		t.Errorf("%d pushes counted", s.Count("par"))
	}
}

func TestPushedAuthorizationRequestRefusals(t *testing.T) {
	s := newServer(t)
	s.AddClient(oidctest.Client{ID: "other", Secret: "other-secret"})
	if status, ans := push(t, s, nil, s.ClientID, "wrong"); status != http.StatusUnauthorized || ans["error"] != "invalid_client" {
		t.Errorf("bad secret: %d %v", status, ans)
	}
	if status, ans := push(t, s, url.Values{"code_challenge": nil}, s.ClientID, s.ClientSecret); status != http.StatusBadRequest || ans["error"] != "invalid_request" {
		t.Errorf("no PKCE: %d %v", status, ans)
	}
	if status, ans := push(t, s, url.Values{"request_uri": {"urn:x"}}, s.ClientID, s.ClientSecret); status != http.StatusBadRequest {
		t.Errorf("pushed request_uri: %d %v", status, ans)
	}
	// Another client cannot use the request_uri.
	_, ans := push(t, s, nil, s.ClientID, s.ClientSecret)
	uri, _ := ans["request_uri"].(string)
	if _, err := s.Login("alice", s.URL+"/authorize?"+url.Values{"client_id": {"other"}, "request_uri": {uri}}.Encode()); err == nil {
		t.Error("another client's request_uri was accepted")
	}
}
