package oidctest

import "net/http"

// discovery serves both the OpenID Connect discovery document and the
// RFC 8414 authorization server metadata: the same document.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	switch {
	case b.DiscoveryStatus != 0:
		http.Error(w, "discovery unavailable (oidctest DiscoveryStatus)", b.DiscoveryStatus)
		return
	case b.DisableOIDCDiscovery && r.URL.Path == "/.well-known/openid-configuration":
		http.NotFound(w, r)
		return
	}
	iss := s.Issuer()
	if b.MultiTenant {
		iss = s.IssuerTemplate()
	}
	if b.DiscoveryIssuer != "" {
		iss = b.DiscoveryIssuer
	}
	doc := map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        s.URL + "/authorize",
		"token_endpoint":                                s.URL + "/token",
		"userinfo_endpoint":                             s.URL + "/userinfo",
		"jwks_uri":                                      s.URL + "/jwks",
		"end_session_endpoint":                          s.URL + "/end_session",
		"revocation_endpoint":                           s.URL + "/revoke",
		"pushed_authorization_request_endpoint":         s.URL + "/par",
		"introspection_endpoint":                        s.URL + "/introspect",
		"scopes_supported":                              []string{"openid", "profile", "email", "offline_access"},
		"response_modes_supported":                      []string{"query", "form_post"},
		"response_types_supported":                      []string{"code"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token", "client_credentials", tokenExchangeGrant},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{"RS256", "ES256", "EdDSA"},
		"code_challenge_methods_supported":              []string{"S256"},
		"token_endpoint_auth_methods_supported":         clientAuthMethods,
		"claims_supported":                              []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "sid", "name", "email", "email_verified"},
		"revocation_endpoint_auth_methods_supported":    clientAuthMethods,
		"introspection_endpoint_auth_methods_supported": clientAuthMethods,
		"backchannel_logout_supported":                  true,
		"backchannel_logout_session_supported":          true,
		"dpop_signing_alg_values_supported":             dpopAlgs,
	}
	doc["token_endpoint_auth_signing_alg_values_supported"] = assertionAlgs
	switch {
	case b.IDTokenSigningAlgs == nil:
	case len(b.IDTokenSigningAlgs) == 0:
		delete(doc, "id_token_signing_alg_values_supported")
	default:
		doc["id_token_signing_alg_values_supported"] = b.IDTokenSigningAlgs
	}
	if b.RequirePAR {
		doc["require_pushed_authorization_requests"] = true
	}
	if b.IssParameter {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	writeJSON(w, http.StatusOK, doc)
}

// clientAuthMethods are the client authentication methods of the token,
// revocation and introspection endpoints.
var clientAuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt"}
