package oidctest

import (
	"net/http"
	"net/url"
	"time"
)

// Token exchange (RFC 8693) identifiers.
const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType    = "urn:ietf:params:oauth:token-type:access_token"
)

// exchangeGrant serves the token-exchange grant (RFC 8693 §2) for a
// confidential client: the subject token must be a live JWT access token of
// this server (subject_token_type access_token); the new access token keeps
// its sub, is audience-restricted to the request's resource or audience
// (RFC 8707), and carries the requested scope, which must be within the
// subject token's (default: the same).
func (s *Server) exchangeGrant(f url.Values, c *Client, b Behavior) (map[string]any, *oauthError) {
	bad := func(desc string) *oauthError {
		return &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: desc}
	}
	switch {
	case !c.confidential():
		return nil, &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", desc: "a public client cannot exchange tokens"}
	case f.Get("subject_token") == "":
		return nil, bad("subject_token is missing")
	case f.Get("subject_token_type") != accessTokenType:
		return nil, bad("subject_token_type must be " + accessTokenType)
	case f.Has("actor_token"):
		return nil, bad("actor tokens are not supported")
	}
	subject := f.Get("subject_token")
	s.mu.Lock()
	at, dead := s.access[subject], s.dead[subject]
	revoked := at != nil && (s.grants[at.grant] == nil || s.grants[at.grant].revoked)
	s.mu.Unlock()
	h, claims, err := s.parseOwn(subject)
	sub, _ := claims["sub"].(string)
	exp, _ := claims["exp"].(float64)
	if err != nil || dead || revoked || h["typ"] != "at+jwt" || claims["iss"] != s.Issuer() || sub == "" ||
		float64(time.Now().Unix()) >= exp {
		return nil, invalidGrant("the subject token is not a live access token of this server")
	}
	had, _ := claims["scope"].(string)
	scope, ok := narrow(had, f.Get("scope"))
	if !ok {
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_scope", desc: "scope exceeds the subject token's"}
	}
	g := &grant{id: randomString(12), client: c.ID, sub: sub, scope: scope,
		aud: audience(f, nil, b.audience()), authTime: time.Now()}
	s.mu.Lock()
	s.grants[g.id] = g
	s.mu.Unlock()
	resp := s.issue(g, scope, "", "", false, b)
	resp["issued_token_type"] = accessTokenType
	return resp, nil
}
