package oidctest

import (
	"encoding/base64"
	"maps"
	"strings"
	"time"
)

// issue mints the tokens of one token response for a grant; jkt, when set,
// binds the access token to a DPoP key (RFC 9449 §6).
func (s *Server) issue(g *grant, scope, nonce, jkt string, withRefresh bool, b Behavior) map[string]any {
	n := time.Now()
	ttl := b.accessTTL()
	var at string
	if b.OpaqueAccessTokens {
		at = randomString(24)
	} else {
		c := map[string]any{"iss": s.Issuer(), "sub": g.sub, "aud": g.aud, "client_id": g.client,
			"exp": n.Add(ttl).Unix(), "iat": n.Unix(), "nbf": n.Unix(), "jti": randomString(12)}
		if scope != "" {
			c["scope"] = scope
		}
		if g.sid != "" {
			c["sid"] = g.sid
		}
		if jkt != "" {
			c["cnf"] = map[string]any{"jkt": jkt}
		}
		s.tenantClaims(c, g.user, b)
		at = s.Sign(Token{Header: map[string]any{"typ": "at+jwt"}, Claims: c})
	}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(ttl.Seconds())}
	if jkt != "" {
		resp["token_type"] = "DPoP"
	}
	if scope != "" {
		resp["scope"] = scope
	}
	s.mu.Lock()
	s.access[at] = &accessToken{grant: g.id, user: g.user, sub: g.sub, scope: scope, issued: n, expires: n.Add(ttl)}
	if withRefresh {
		rt := randomString(32)
		s.refresh[rt] = &refreshToken{grant: g.id}
		resp["refresh_token"] = rt
	}
	s.mu.Unlock()
	if g.openid && !b.OmitIDToken {
		resp["id_token"] = s.idToken(g, nonce, at, b)
	}
	return resp
}

// idToken mints the ID token of a grant (OpenID Connect Core §2), then
// applies the misbehaviour switches. A refreshed ID token (nonce "") keeps
// iss, sub, sid and auth_time.
func (s *Server) idToken(g *grant, nonce, accessToken string, b Behavior) string {
	n := time.Now()
	alg := orDefault(b.IDTokenAlg, "RS256")
	c := s.userClaims(g.user)
	maps.Copy(c, map[string]any{
		"iss": s.Issuer(), "sub": g.sub, "aud": []string{g.client}, "azp": g.client,
		"exp": n.Add(b.idTTL()).Unix(), "iat": n.Unix(), "auth_time": g.authTime.Unix(),
		"sid": g.sid, "at_hash": atHash(alg, accessToken),
	})
	if nonce != "" {
		c["nonce"] = nonce
	}
	s.tenantClaims(c, g.user, b)
	for k, v := range b.IDTokenClaims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	var key any
	if strings.HasPrefix(alg, "HS") {
		if cl := s.lookupClient(g.client); cl != nil {
			key = []byte(cl.Secret)
		}
	}
	tok := s.Sign(Token{Alg: alg, Header: b.IDTokenHeader, Claims: c, Key: key})
	if b.BadIDTokenSignature {
		tok = corrupt(tok)
	}
	return tok
}

// corrupt flips the first byte of a JWS signature (or gives an unsigned
// token a signature), keeping the token well-formed.
func corrupt(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if len(sig) == 0 {
		sig = []byte{0}
	} else {
		sig[0] ^= 0xff
	}
	return tok[:i+1] + b64(sig)
}
