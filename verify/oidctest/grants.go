package oidctest

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// grant is one authorization: the tokens issued from one code and its
// refreshes, or from one client-credentials request.
type grant struct {
	id, client, user, sub, scope, sid string // user "" for client credentials
	aud                               any    // string or []string
	authTime                          time.Time
	openid, revoked                   bool
}

type refreshToken struct {
	grant string
	used  bool
}

type accessToken struct {
	grant, user, sub, scope string
	issued, expires         time.Time
}

func invalidGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", desc: desc}
}

// codeGrant exchanges an authorization code (RFC 6749 §4.1.3, RFC 7636).
func (s *Server) codeGrant(f url.Values, c *Client, jkt string, b Behavior) (map[string]any, *oauthError) {
	s.mu.Lock()
	ac := s.codes[f.Get("code")]
	switch {
	case ac == nil:
		s.mu.Unlock()
		return nil, invalidGrant("unknown authorization code")
	case ac.used:
		// RFC 6749 §4.1.2: revoke the tokens the code gave.
		if g := s.grants[ac.grant]; g != nil {
			g.revoked = true
		}
		s.mu.Unlock()
		return nil, invalidGrant("authorization code already used; its tokens are revoked")
	}
	ac.used = true
	s.mu.Unlock()
	verifier := f.Get("code_verifier")
	switch {
	case ac.client != c.ID:
		return nil, invalidGrant("authorization code issued to another client")
	case time.Now().After(ac.expires):
		return nil, invalidGrant("authorization code expired")
	case f.Get("redirect_uri") != ac.redirectURI:
		return nil, invalidGrant("redirect_uri differs from the authorization request")
	case ac.challenge == "" && verifier != "":
		return nil, invalidGrant("code_verifier without a code_challenge")
	case ac.challenge != "" && (len(verifier) < 43 || len(verifier) > 128):
		return nil, invalidGrant("code_verifier must be 43 to 128 characters")
	case ac.challenge != "":
		sum := sha256.Sum256([]byte(verifier))
		if !secretsEqual(b64(sum[:]), ac.challenge) {
			return nil, invalidGrant("PKCE verification failed")
		}
	}
	g := &grant{id: randomString(12), client: c.ID, user: ac.user, sub: s.subject(ac.user), scope: ac.scope,
		sid: ac.sid, aud: audience(f, ac.resource, b.audience()), authTime: ac.authTime,
		openid: slices.Contains(strings.Fields(ac.scope), "openid")}
	s.mu.Lock()
	s.grants[g.id] = g
	ac.grant = g.id
	s.mu.Unlock()
	return s.issue(g, g.scope, ac.nonce, jkt, true, b), nil
}

// refreshGrant refreshes (RFC 6749 §6): rotation and reuse detection unless
// switched off; scope may narrow.
func (s *Server) refreshGrant(f url.Values, c *Client, jkt string, b Behavior) (map[string]any, *oauthError) {
	rotate := !b.DisableRefreshRotation
	g, scope, e := s.useRefreshToken(f.Get("refresh_token"), f.Get("scope"), c, rotate, b)
	if e != nil {
		return nil, e
	}
	resp := s.issue(g, scope, "", jkt, rotate, b)
	if !rotate {
		resp["refresh_token"] = f.Get("refresh_token")
	}
	return resp, nil
}

// useRefreshToken checks a refresh token and marks it used when rotating.
func (s *Server) useRefreshToken(token, scope string, c *Client, rotate bool, b Behavior) (*grant, string, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.refresh[token]
	var g *grant
	if rt != nil {
		g = s.grants[rt.grant]
	}
	switch {
	case g == nil || g.revoked:
		return nil, "", invalidGrant("refresh token unknown or revoked")
	case g.client != c.ID:
		return nil, "", invalidGrant("refresh token issued to another client")
	case rt.used && b.DisableReuseDetection:
		s.counts[reusedRefreshTokens]++
		return nil, "", invalidGrant("refresh token already used")
	case rt.used:
		s.counts[reusedRefreshTokens]++
		g.revoked = true // a rotated-out token came back: assume theft
		return nil, "", invalidGrant("refresh token reused; the grant is revoked")
	}
	scope, ok := narrow(g.scope, scope)
	if !ok {
		return nil, "", &oauthError{status: http.StatusBadRequest, code: "invalid_scope", desc: "scope exceeds the grant"}
	}
	rt.used = rotate
	return g, scope, nil
}

// narrow returns the scope of a refresh asking for requested: granted when
// requested is empty, requested when within granted.
func narrow(granted, requested string) (string, bool) {
	if requested == "" {
		return granted, true
	}
	have := strings.Fields(granted)
	for _, sc := range strings.Fields(requested) {
		if !slices.Contains(have, sc) {
			return "", false
		}
	}
	return requested, true
}

// clientGrant serves client_credentials (RFC 6749 §4.4); audience or
// resource (RFC 8707) sets the access token's aud.
func (s *Server) clientGrant(f url.Values, c *Client, jkt string, b Behavior) (map[string]any, *oauthError) {
	if !c.confidential() {
		return nil, &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", desc: "a public client cannot use client_credentials"}
	}
	g := &grant{id: randomString(12), client: c.ID, sub: c.ID, scope: f.Get("scope"),
		aud: audience(f, nil, b.audience()), authTime: time.Now()}
	s.mu.Lock()
	s.grants[g.id] = g
	s.mu.Unlock()
	return s.issue(g, g.scope, "", jkt, false, b), nil
}

// audience picks the aud of access tokens: the request's resource params
// (RFC 8707), else its audience param, else those of the authorization
// request, else def.
func audience(f url.Values, fromAuthorize []string, def string) any {
	res := f["resource"]
	if len(res) == 0 && f.Get("audience") != "" {
		res = []string{f.Get("audience")}
	}
	if len(res) == 0 {
		res = fromAuthorize
	}
	switch len(res) {
	case 0:
		return def
	case 1:
		return res[0]
	}
	return slices.Clone(res)
}
