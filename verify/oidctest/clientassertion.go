package oidctest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// jwtBearerAssertion is the client_assertion_type of private_key_jwt.
const jwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the client assertion algorithms accepted and advertised
// (token_endpoint_auth_signing_alg_values_supported).
var assertionAlgs = []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"}

// assertedClient authenticates a client by private_key_jwt (RFC 7523 §2.2,
// OpenID Connect Core §9): a JWT signed with the key registered as
// Client.PublicKey, with iss and sub the client ID, aud holding the token
// endpoint, the issuer or the URL of the endpoint called, an exp not past,
// and a jti never presented before (kept until the assertion expires). Any
// other client credential alongside it is refused. r.ParseForm must have
// run.
func (s *Server) assertedClient(r *http.Request) (*Client, *oauthError) {
	fail := &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: "client authentication failed"}
	if _, _, basic := r.BasicAuth(); basic || r.PostForm.Has("client_secret") {
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "more than one client authentication method"}
	}
	if r.PostForm.Get("client_assertion_type") != jwtBearerAssertion || len(r.PostForm["client_assertion"]) != 1 {
		return nil, fail
	}
	raw := []byte(r.PostForm.Get("client_assertion"))
	msg, err := jws.Parse(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, fail
	}
	var claims map[string]any
	if json.Unmarshal(msg.Payload(), &claims) != nil {
		return nil, fail
	}
	var c struct {
		Iss, Sub, JTI string
		Exp           float64
	}
	c.Iss, _ = claims["iss"].(string)
	c.Sub, _ = claims["sub"].(string)
	c.JTI, _ = claims["jti"].(string)
	c.Exp, _ = claims["exp"].(float64)
	client := s.lookupClient(c.Iss)
	alg, _ := msg.Signatures()[0].ProtectedHeaders().Algorithm()
	switch {
	case client == nil || client.PublicKey == nil || c.Sub != c.Iss:
		return nil, fail
	case r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != c.Iss:
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "client_id differs from the assertion's"}
	case !slices.Contains(assertionAlgs, alg.String()):
		return nil, fail
	}
	if _, err := jws.Verify(raw, jws.WithKey(jwa.SignatureAlgorithm(alg), client.PublicKey)); err != nil {
		return nil, fail
	}
	var aud []string
	switch a := claims["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	exp := time.Unix(int64(c.Exp), 0)
	if !slices.ContainsFunc(aud, func(a string) bool { return a == s.URL+"/token" || a == s.URL || a == s.URL+r.URL.Path }) ||
		c.Exp == 0 || !time.Now().Before(exp) || c.JTI == "" {
		return nil, fail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for jti, until := range s.assertions {
		if !now.Before(until) {
			delete(s.assertions, jti)
		}
	}
	if _, seen := s.assertions[c.JTI]; seen {
		return nil, &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: "client assertion jti already used"}
	}
	s.assertions[c.JTI] = exp
	return client, nil
}
