package oidctest

import (
	"net/http"
	"strings"
)

// userinfo answers the claims of the user an access token was issued to.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.UserinfoStatus != 0 {
		http.Error(w, "userinfo unavailable", b.UserinfoStatus)
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	at := s.access[tok]
	ok := at != nil && strings.EqualFold(scheme, "Bearer") && now().Before(at.expires)
	if ok {
		g := s.grants[at.grant]
		ok = g != nil && !g.revoked
	}
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	c := s.userClaims(at.user)
	if b.UserinfoSub != "" {
		c["sub"] = b.UserinfoSub
	}
	writeJSON(w, http.StatusOK, c)
}

// endSession records an RP-initiated logout and sends the browser back.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.ends = append(s.ends, q)
	var allowed []string
	if c := s.client(q.Get("client_id")); c != nil {
		allowed = c.PostLogoutRedirectURIs
	}
	s.mu.Unlock()
	if u := q.Get("post_logout_redirect_uri"); u != "" && allowedURI(u, allowed) {
		if st := q.Get("state"); st != "" {
			u += map[bool]string{true: "&", false: "?"}[strings.Contains(u, "?")] + "state=" + st
		}
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!doctype html><title>Signed out</title><p>You are signed out of the test provider.</p>"))
}

// revoke implements RFC 7009: a refresh token revokes its grant.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.RevocationStatus != 0 {
		http.Error(w, "revocation unavailable", b.RevocationStatus)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if _, terr := s.authenticate(r); terr != nil {
		s.tokenFail(w, terr)
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	s.revoked = append(s.revoked, tok)
	if rt := s.refresh[tok]; rt != nil {
		if g := s.grants[rt.grant]; g != nil {
			g.revoked = true
		}
	}
	delete(s.access, tok)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
