package oidctest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

const accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

func exchangeForm(subject string, extra url.Values) url.Values {
	f := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {subject}, "subject_token_type": {accessTokenType}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestTokenExchange(t *testing.T) {
	s := newServer(t)
	subject := s.AccessToken("alice", "api-a", "read", "write")
	code, m := tokenRequest(t, s, exchangeForm(subject, url.Values{"audience": {"api-b"}, "scope": {"read"}}))
	if code != http.StatusOK || m["issued_token_type"] != accessTokenType || m["token_type"] != "Bearer" {
		t.Fatalf("%d %v", code, m)
	}
	c := verified(t, s, m["access_token"])
	if c["sub"] != "alice" || c["aud"] != "api-b" || c["scope"] != "read" || c["client_id"] != s.ClientID {
		t.Fatalf("exchanged token claims %v", c)
	}
	if n := s.Count("token:urn:ietf:params:oauth:grant-type:token-exchange"); n != 1 {
		t.Errorf("count %d", n)
	}
}

func TestTokenExchangeRefusals(t *testing.T) {
	s := newServer(t)
	other := oidctest.NewServer()
	defer other.Close()
	live := s.AccessToken("alice", "api-a", "read")
	for name, c := range map[string]struct {
		form url.Values
		code string
	}{
		"another server's token": {exchangeForm(other.AccessToken("alice", "api-a"), nil), "invalid_grant"},
		"not a token":            {exchangeForm("garbage", nil), "invalid_grant"},
		"no subject token":       {exchangeForm("", nil), "invalid_request"},
		"wrong subject type":     {exchangeForm(live, url.Values{"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}}), "invalid_request"},
		"wider scope":            {exchangeForm(live, url.Values{"scope": {"admin"}}), "invalid_scope"},
	} {
		code, m := tokenRequest(t, s, c.form)
		if code != http.StatusBadRequest || m["error"] != c.code {
			t.Errorf("%s: %d %v", name, code, m)
		}
	}
}
