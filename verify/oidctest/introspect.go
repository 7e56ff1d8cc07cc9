package oidctest

import (
	"net/http"
	"strings"
	"time"
)

// introspect serves token introspection (RFC 7662) to confidential clients.
// An access token from /token (JWT or opaque) or from AccessToken is active
// until it expires or is revoked: active, token_type Bearer, iss, sub,
// client_id, aud, scope, exp, iat, and username for a user's token. A live
// refresh token is active too, without token_type, as oidc-provider answers
// it. Anything else is {"active":false}. With Behavior.IntrospectionJWT, a
// request accepting application/token-introspection+jwt gets the answer as
// an RFC 9701 JWT.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.IntrospectionStatus != 0 {
		http.Error(w, "introspection unavailable (oidctest IntrospectionStatus)", b.IntrospectionStatus)
		return
	}
	c, tok, ok := s.tokenParam(w, r)
	if !ok {
		return
	}
	if !c.confidential() {
		tokenFail(w, &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: "a public client cannot introspect"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if b.IntrospectionBody != "" {
		w.Header().Set("Content-Type", orDefault(b.IntrospectionContentType, "application/json"))
		_, _ = w.Write([]byte(b.IntrospectionBody))
		return
	}
	answer := s.describe(tok)
	if answer["active"] == true {
		for k, v := range b.IntrospectionClaims {
			if v == nil {
				delete(answer, k)
			} else {
				answer[k] = v
			}
		}
	}
	if b.IntrospectionJWT && strings.Contains(r.Header.Get("Accept"), "application/token-introspection+jwt") {
		jwt := s.Sign(Token{Header: map[string]any{"typ": "token-introspection+jwt"}, Claims: map[string]any{
			"iss": s.Issuer(), "aud": c.ID, "iat": time.Now().Unix(), "token_introspection": answer}})
		w.Header().Set("Content-Type", "application/token-introspection+jwt")
		_, _ = w.Write([]byte(jwt))
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// describe returns the introspection answer for tok.
func (s *Server) describe(tok string) map[string]any {
	inactive := map[string]any{"active": false}
	now := time.Now()
	s.mu.Lock()
	at, rt, dead := s.access[tok], s.refresh[tok], s.dead[tok]
	var g *grant
	switch {
	case at != nil:
		g = s.grants[at.grant]
	case rt != nil:
		g = s.grants[rt.grant]
	}
	var gc grant
	if g != nil {
		gc = *g
	}
	s.mu.Unlock()
	switch {
	case at != nil:
		if g == nil || gc.revoked || !now.Before(at.expires) {
			return inactive
		}
		a := map[string]any{"active": true, "token_type": "Bearer", "iss": s.Issuer(), "sub": at.sub,
			"client_id": gc.client, "aud": gc.aud, "exp": at.expires.Unix(), "iat": at.issued.Unix()}
		if at.scope != "" {
			a["scope"] = at.scope
		}
		if at.user != "" {
			a["username"] = at.user
		}
		return a
	case rt != nil:
		if g == nil || gc.revoked || rt.used {
			return inactive
		}
		return map[string]any{"active": true, "iss": s.Issuer(), "sub": gc.sub, "client_id": gc.client, "scope": gc.scope}
	case dead:
		return inactive
	}
	h, c, err := s.parseOwn(tok)
	if err != nil || h["typ"] != "at+jwt" || c["iss"] != s.Issuer() {
		return inactive
	}
	if exp, _ := c["exp"].(float64); float64(now.Unix()) >= exp {
		return inactive
	}
	c["active"], c["token_type"] = true, "Bearer"
	return c
}
