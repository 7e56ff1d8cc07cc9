package oidctest

import (
	"net/http"
	"strings"
	"time"
)

// userinfo answers the claims of the user an access token was issued to
// (OpenID Connect Core §5.3), with RFC 6750 challenges.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.UserinfoStatus != 0 {
		http.Error(w, "userinfo unavailable (oidctest UserinfoStatus)", b.UserinfoStatus)
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oidctest"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	user, sub, ok := s.tokenUser(tok)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oidctest", error="invalid_token", error_description="unknown, expired or revoked access token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	if b.UserinfoBody != "" {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(b.UserinfoBody))
		return
	}
	c := s.userClaims(user)
	c["sub"] = orDefault(b.UserinfoSub, sub)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}

// tokenUser returns the user of a live access token issued to a user: one
// from /token, or a JWT from AccessToken.
func (s *Server) tokenUser(tok string) (user, sub string, ok bool) {
	s.mu.Lock()
	at, dead := s.access[tok], s.dead[tok]
	if at != nil {
		g := s.grants[at.grant]
		ok = at.user != "" && g != nil && !g.revoked && time.Now().Before(at.expires)
	}
	s.mu.Unlock()
	switch {
	case at != nil:
		return at.user, at.sub, ok
	case dead:
		return "", "", false
	}
	h, c, err := s.parseOwn(tok)
	if err != nil || h["typ"] != "at+jwt" || c["iss"] != s.Issuer() {
		return "", "", false
	}
	sub, _ = c["sub"].(string)
	exp, _ := c["exp"].(float64)
	if sub == "" || float64(time.Now().Unix()) >= exp {
		return "", "", false
	}
	return sub, sub, true
}
