package oidctest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func metadata(t *testing.T, s *oidctest.Server, path string) (int, map[string]any) {
	t.Helper()
	resp, body := get(t, http.DefaultClient, s.URL+path)
	var doc map[string]any
	_ = json.Unmarshal([]byte(body), &doc)
	return resp.StatusCode, doc
}

func TestDiscoveryDocuments(t *testing.T) {
	s := newServer(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		status, doc := metadata(t, s, path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		want := map[string]string{
			"issuer": s.Issuer(), "authorization_endpoint": s.URL + "/authorize", "token_endpoint": s.URL + "/token",
			"userinfo_endpoint": s.URL + "/userinfo", "jwks_uri": s.URL + "/jwks",
			"end_session_endpoint": s.URL + "/end_session", "revocation_endpoint": s.URL + "/revoke",
		}
		for k, v := range want {
			if doc[k] != v {
				t.Errorf("%s: %s = %v, want %s", path, k, doc[k], v)
			}
		}
		for _, k := range []string{"scopes_supported", "response_types_supported", "grant_types_supported",
			"subject_types_supported", "id_token_signing_alg_values_supported", "code_challenge_methods_supported",
			"token_endpoint_auth_methods_supported", "claims_supported", "backchannel_logout_supported",
			"backchannel_logout_session_supported"} {
			if doc[k] == nil {
				t.Errorf("%s: no %s", path, k)
			}
		}
		if m, _ := doc["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
			t.Errorf("%s: code_challenge_methods_supported = %v", path, m)
		}
		if _, ok := doc["authorization_response_iss_parameter_supported"]; ok {
			t.Errorf("%s: advertises RFC 9207 iss without IssParameter", path)
		}
	}
	if s.Issuer() != s.URL {
		t.Errorf("Issuer() = %s, URL %s", s.Issuer(), s.URL)
	}
	if s.Count("discovery") != 1 || s.Count("oauth-metadata") != 1 {
		t.Errorf("Count: discovery %d, oauth-metadata %d", s.Count("discovery"), s.Count("oauth-metadata"))
	}
	s.ResetCounts()
	if s.Count("discovery") != 0 {
		t.Error("ResetCounts left a count")
	}
}

func TestDiscoverySwitches(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.IssParameter, b.DiscoveryIssuer = true, "https://other.example" })
	_, doc := metadata(t, s, "/.well-known/openid-configuration")
	if doc["authorization_response_iss_parameter_supported"] != true || doc["issuer"] != "https://other.example" {
		t.Errorf("IssParameter, DiscoveryIssuer: %v", doc)
	}
	s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{DisableOIDCDiscovery: true} })
	if status, _ := metadata(t, s, "/.well-known/openid-configuration"); status != http.StatusNotFound {
		t.Errorf("DisableOIDCDiscovery: OIDC document %d", status)
	}
	if status, doc := metadata(t, s, "/.well-known/oauth-authorization-server"); status != http.StatusOK || doc["issuer"] != s.Issuer() {
		t.Errorf("DisableOIDCDiscovery: RFC 8414 document %d %v", status, doc)
	}
	s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{DiscoveryStatus: 503} })
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		if status, _ := metadata(t, s, path); status != 503 {
			t.Errorf("DiscoveryStatus: %s %d", path, status)
		}
	}
}

// TestIDTokenSigningAlgs: the switch replaces the advertised list, and an
// empty list leaves the member out.
func TestIDTokenSigningAlgs(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = []string{"PS256"} })
	if _, doc := metadata(t, s, "/.well-known/openid-configuration"); fmt.Sprint(doc["id_token_signing_alg_values_supported"]) != "[PS256]" {
		t.Errorf("advertised %v", doc["id_token_signing_alg_values_supported"])
	}
	s.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = []string{} })
	if _, doc := metadata(t, s, "/.well-known/oauth-authorization-server"); doc["id_token_signing_alg_values_supported"] != nil {
		t.Errorf("advertised %v", doc["id_token_signing_alg_values_supported"])
	}
}
