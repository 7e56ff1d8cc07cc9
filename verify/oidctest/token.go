package oidctest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// grant is one authorization: the tokens issued from one code (and its
// refreshes), or one client-credentials request.
type grant struct {
	id, client, user, scope, sid, aud string
	openid                            bool
	revoked                           bool
}

type refreshToken struct {
	grant string
	used  bool
}

type accessToken struct {
	grant   string
	user    string
	expires time.Time
}

// tokenError is an RFC 6749 §5.2 error answer.
type tokenError struct {
	status      int
	code, desc  string
	basicHeader bool
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.TokenDelay > 0 {
		select {
		case <-time.After(b.TokenDelay):
		case <-r.Context().Done():
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		s.tokenFail(w, &tokenError{status: 400, code: "invalid_request", desc: "unreadable form"})
		return
	}
	gt := r.PostForm.Get("grant_type")
	s.mu.Lock()
	s.counts["token:"+gt]++
	s.mu.Unlock()
	switch {
	case b.TokenBody != "":
		ct := b.TokenContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		status := b.TokenStatus
		if status == 0 {
			status = 200
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(b.TokenBody))
		return
	case b.TokenStatus >= 500:
		s.tokenFail(w, &tokenError{status: b.TokenStatus, code: "server_error", desc: "token endpoint failure"})
		return
	case b.TokenStatus != 0:
		s.tokenFail(w, &tokenError{status: b.TokenStatus, code: "invalid_grant", desc: "refused by switch"})
		return
	}
	client, terr := s.authenticate(r)
	if terr != nil {
		s.tokenFail(w, terr)
		return
	}
	var resp map[string]any
	switch gt {
	case "authorization_code":
		resp, terr = s.codeGrant(r.PostForm, client, b)
	case "refresh_token":
		resp, terr = s.refreshGrant(r.PostForm, client, b)
	case "client_credentials":
		resp, terr = s.clientGrant(r.PostForm, client, b)
	default:
		terr = &tokenError{status: 400, code: "unsupported_grant_type"}
	}
	if terr != nil {
		s.tokenFail(w, terr)
		return
	}
	s.tokenAnswer(w, resp, b)
}

// authenticate checks client_secret_basic or client_secret_post.
func (s *Server) authenticate(r *http.Request) (*Client, *tokenError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, &tokenError{status: 401, code: "invalid_client", desc: "bad Basic credentials encoding", basicHeader: true}
		}
		if r.PostForm.Has("client_secret") {
			return nil, &tokenError{status: 400, code: "invalid_request", desc: "more than one client authentication method"}
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	c := s.client(id)
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, &tokenError{status: 401, code: "invalid_client", desc: "client authentication failed", basicHeader: basic}
	}
	return c, nil
}

func (s *Server) codeGrant(f url.Values, c *Client, b Behavior) (map[string]any, *tokenError) {
	bad := &tokenError{status: 400, code: "invalid_grant"}
	s.mu.Lock()
	ac := s.codes[f.Get("code")]
	switch {
	case ac == nil:
		s.mu.Unlock()
		return nil, bad
	case ac.used:
		// RFC 6749 §4.1.2: revoke what the code gave.
		if g := s.grants[ac.grant]; g != nil {
			g.revoked = true
		}
		s.mu.Unlock()
		return nil, &tokenError{status: 400, code: "invalid_grant", desc: "code already used"}
	}
	ac.used = true
	s.mu.Unlock()
	switch {
	case now().After(ac.expires), ac.client != c.ID:
		return nil, bad
	case f.Get("redirect_uri") != ac.redirectURI:
		return nil, &tokenError{status: 400, code: "invalid_grant", desc: "redirect_uri differs"}
	case ac.challenge != "":
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ac.challenge)) != 1 {
			return nil, &tokenError{status: 400, code: "invalid_grant", desc: "PKCE verification failed"}
		}
	case f.Get("code_verifier") != "":
		return nil, &tokenError{status: 400, code: "invalid_grant", desc: "code_verifier without a challenge"}
	}
	g := &grant{id: randomString(12), client: c.ID, user: ac.user, scope: ac.scope, sid: randomString(12),
		aud: b.audience(), openid: slices.Contains(strings.Fields(ac.scope), "openid")}
	if res := f.Get("resource"); res != "" { // RFC 8707
		g.aud = res
	}
	s.mu.Lock()
	s.grants[g.id] = g
	ac.grant = g.id
	s.mu.Unlock()
	return s.issue(g, ac.nonce, true, b), nil
}

func (s *Server) refreshGrant(f url.Values, c *Client, b Behavior) (map[string]any, *tokenError) {
	bad := &tokenError{status: 400, code: "invalid_grant", desc: "refresh token invalid, expired or revoked"}
	s.mu.Lock()
	rt := s.refresh[f.Get("refresh_token")]
	if rt == nil {
		s.mu.Unlock()
		return nil, bad
	}
	g := s.grants[rt.grant]
	switch {
	case g == nil || g.revoked || g.client != c.ID:
		s.mu.Unlock()
		return nil, bad
	case rt.used && !b.DisableReuseDetection:
		g.revoked = true // a rotated token came back: assume theft
		s.mu.Unlock()
		return nil, bad
	}
	rotate := !b.DisableRefreshRotation
	if rotate {
		rt.used = true
	}
	s.mu.Unlock()
	resp := s.issue(g, "", rotate, b)
	if !rotate {
		resp["refresh_token"] = f.Get("refresh_token")
	}
	return resp, nil
}

func (s *Server) clientGrant(f url.Values, c *Client, b Behavior) (map[string]any, *tokenError) {
	aud := b.audience()
	if a := f.Get("resource"); a != "" {
		aud = a
	} else if a := f.Get("audience"); a != "" {
		aud = a
	}
	g := &grant{id: randomString(12), client: c.ID, user: c.ID, scope: f.Get("scope"), aud: aud}
	s.mu.Lock()
	s.grants[g.id] = g
	s.mu.Unlock()
	resp := s.issue(g, "", false, b)
	delete(resp, "refresh_token")
	return resp, nil
}

// issue mints the tokens of one answer.
func (s *Server) issue(g *grant, nonce string, withRefresh bool, b Behavior) map[string]any {
	n := now()
	ttl := b.accessTTL()
	var at string
	if b.OpaqueAccessTokens {
		at = randomString(24)
	} else {
		c := map[string]any{"iss": s.Issuer(), "sub": g.user, "aud": g.aud, "client_id": g.client,
			"exp": n.Add(ttl).Unix(), "iat": n.Unix(), "jti": randomString(12)}
		if g.scope != "" {
			c["scope"] = g.scope
		}
		if g.sid != "" {
			c["sid"] = g.sid
		}
		at = s.Sign(Token{Header: map[string]any{"typ": "at+jwt"}, Claims: c})
	}
	s.mu.Lock()
	s.access[at] = &accessToken{grant: g.id, user: g.user, expires: n.Add(ttl)}
	s.mu.Unlock()
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(ttl.Seconds())}
	if g.scope != "" {
		resp["scope"] = g.scope
	}
	if withRefresh {
		rt := randomString(32)
		s.mu.Lock()
		s.refresh[rt] = &refreshToken{grant: g.id}
		s.mu.Unlock()
		resp["refresh_token"] = rt
	}
	if g.openid && !b.OmitIDToken {
		resp["id_token"] = s.idToken(g, nonce, at, b)
	}
	return resp
}

// idToken mints the ID token of a grant, applying the misbehaviour switches.
func (s *Server) idToken(g *grant, nonce, at string, b Behavior) string {
	n := now()
	alg := b.IDTokenAlg
	if alg == "" {
		alg = "RS256"
	}
	c := s.userClaims(g.user)
	maps.Copy(c, map[string]any{"iss": s.Issuer(), "sub": g.user, "aud": []string{g.client}, "azp": g.client,
		"exp": n.Add(b.idTTL()).Unix(), "iat": n.Unix(), "auth_time": n.Unix(), "sid": g.sid,
		"at_hash": atHash(alg, at)})
	if nonce != "" {
		c["nonce"] = nonce
	}
	for k, v := range b.IDTokenClaims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := s.Sign(Token{Alg: alg, Header: b.IDTokenHeader, Claims: c})
	if b.BadIDTokenSignature {
		i := strings.LastIndexByte(tok, '.') + 2
		flip := byte('A')
		if tok[i] == 'A' {
			flip = 'B'
		}
		tok = tok[:i] + string(flip) + tok[i+1:]
	}
	return tok
}

func (s *Server) tokenAnswer(w http.ResponseWriter, resp map[string]any, b Behavior) {
	if b.LowercaseTokenType {
		resp["token_type"] = "bearer"
	}
	if b.OmitExpiresIn {
		delete(resp, "expires_in")
	} else if b.ExpiresInAsString {
		resp["expires_in"] = strconv.Itoa(resp["expires_in"].(int))
	}
	if b.FormEncodedTokenResponse {
		v := url.Values{}
		for k, x := range resp {
			switch x := x.(type) {
			case string:
				v.Set(k, x)
			case int:
				v.Set(k, strconv.Itoa(x))
			}
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(v.Encode()))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) tokenFail(w http.ResponseWriter, e *tokenError) {
	if e.basicHeader || e.status == 401 {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
	}
	body := map[string]string{"error": e.code}
	if e.desc != "" {
		body["error_description"] = e.desc
	}
	writeJSON(w, e.status, body)
}
