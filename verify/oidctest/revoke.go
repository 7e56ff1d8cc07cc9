package oidctest

import "net/http"

// revoke serves token revocation (RFC 7009). Revoking a refresh token
// revokes its whole grant; revoking an access token ends it alone. Unknown
// tokens are recorded and answered 200.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if b := s.behavior(); b.RevocationStatus != 0 {
		http.Error(w, "revocation unavailable (oidctest RevocationStatus)", b.RevocationStatus)
		return
	}
	c, tok, ok := s.tokenParam(w, r)
	if !ok {
		return
	}
	owner, known := s.tokenClient(tok)
	if known && owner != c.ID {
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", desc: "the token was issued to another client"})
		return
	}
	s.mu.Lock()
	s.revoked = append(s.revoked, tok)
	if rt := s.refresh[tok]; rt != nil {
		s.grants[rt.grant].revoked = true
	}
	delete(s.access, tok)
	s.dead[tok] = true
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// tokenClient returns the client a token was issued to, if the server knows
// the token.
func (s *Server) tokenClient(tok string) (client string, known bool) {
	s.mu.Lock()
	var g *grant
	if rt := s.refresh[tok]; rt != nil {
		g = s.grants[rt.grant]
	} else if at := s.access[tok]; at != nil {
		g = s.grants[at.grant]
	}
	s.mu.Unlock()
	if g != nil {
		return g.client, true
	}
	if _, c, err := s.parseOwn(tok); err == nil {
		id, ok := c["client_id"].(string)
		return id, ok
	}
	return "", false
}

// tokenParam reads the form of a revocation or introspection request:
// client authentication and the token parameter. On failure it has written
// the error and ok is false.
func (s *Server) tokenParam(w http.ResponseWriter, r *http.Request) (c *Client, tok string, ok bool) {
	c, ok = s.authenticatedForm(w, r)
	if !ok {
		return nil, "", false
	}
	tok = r.PostForm.Get("token")
	if tok == "" {
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "token is missing"})
		return nil, "", false
	}
	return c, tok, true
}
