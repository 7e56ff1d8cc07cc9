package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// Token describes a JWT for Sign to mint, well-formed or not.
type Token struct {
	// Alg is "RS256" (the default), "RS384", "RS512", "PS256", "ES256",
	// "EdDSA", "HS256", "none", ... RS* and PS* use the server's RSA key.
	Alg string
	// Header is merged into the protected header; a nil value deletes a
	// member (e.g. "kid": nil). Defaults: alg; typ "JWT"; kid of the
	// server's current key for Alg, when it has one (even when Key is set,
	// so a foreign key can pose as the server's).
	Header map[string]any
	// Claims is the payload; nil is {}.
	Claims map[string]any
	// Key, when set, signs instead of the server's key: a crypto.Signer
	// (private key) for asymmetric algs, []byte for HS*. It is not
	// published in the JWKS. HS* without a Key use ClientSecret.
	Key any
	// RawHeader and RawClaims, when set, are the header and payload JSON
	// exactly as given, instead of Header (with the defaults) and Claims:
	// for tests of what a map cannot hold, such as a member name twice.
	RawHeader, RawClaims string
	// ExtraClaims, when set, is appended verbatim inside the claims object
	// after Claims' members, e.g. `"EXP":4102444800` after a real "exp".
	ExtraClaims string
}

// Sign mints a compact JWS. It never fails for well-formed input and panics
// only on programmer error: an alg the server has no key for and no Key
// given, an unknown alg, a key of the wrong type, unmarshalable claims.
func (s *Server) Sign(t Token) string {
	alg := t.Alg
	if alg == "" {
		alg = "RS256"
	}
	h := map[string]any{"alg": alg, "typ": "JWT"}
	key := t.Key
	switch {
	case alg == "none":
	case strings.HasPrefix(alg, "HS"):
		if key == nil {
			key = []byte(s.ClientSecret)
		}
	default:
		k := s.current(alg)
		if k != nil {
			h["kid"] = k.kid
			if key == nil {
				key = k.priv
			}
		} else if key == nil {
			panic("oidctest: Sign: no key for alg " + alg)
		}
	}
	for k, v := range t.Header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	claims := t.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	hj, cj := mustJSON(h), mustJSON(claims)
	if t.RawHeader != "" {
		hj = []byte(t.RawHeader)
	}
	if t.RawClaims != "" {
		cj = []byte(t.RawClaims)
	}
	if t.ExtraClaims != "" {
		sep := ","
		if len(claims) == 0 {
			sep = ""
		}
		cj = append(append(append(cj[:len(cj)-1:len(cj)-1], sep...), t.ExtraClaims...), '}')
	}
	input := b64(hj) + "." + b64(cj)
	if alg == "none" {
		return input + "."
	}
	sig, err := jwsbb.Sign(key, alg, []byte(input), nil)
	if err != nil {
		panic("oidctest: Sign: " + err.Error())
	}
	return input + "." + b64(sig)
}

// AccessToken mints an RFC 9068 access token for sub and aud: RS256, typ
// at+jwt, with iss, sub, aud, exp (in an hour), iat, nbf, jti, client_id
// (ClientID) and scope (the scopes space-separated, omitted when none). The
// userinfo endpoint accepts it.
func (s *Server) AccessToken(sub, aud string, scopes ...string) string {
	n := time.Now()
	c := map[string]any{
		"iss": s.Issuer(), "sub": sub, "aud": aud, "client_id": s.ClientID,
		"exp": n.Add(time.Hour).Unix(), "iat": n.Unix(), "nbf": n.Unix(), "jti": randomString(12),
	}
	if len(scopes) > 0 {
		c["scope"] = strings.Join(scopes, " ")
	}
	return s.Sign(Token{Header: map[string]any{"typ": "at+jwt"}, Claims: c})
}

// IDToken mints an RS256 ID token for sub with audience aud: iss, sub, aud,
// exp (in an hour), iat, auth_time, and nonce unless empty.
func (s *Server) IDToken(sub, aud, nonce string) string {
	n := time.Now()
	c := map[string]any{"iss": s.Issuer(), "sub": sub, "aud": aud,
		"exp": n.Add(time.Hour).Unix(), "iat": n.Unix(), "auth_time": n.Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return s.Sign(Token{Claims: c})
}

// parseOwn verifies a compact JWS against the server's published keys and
// returns its header and claims. Expiry is not checked.
func (s *Server) parseOwn(raw string) (header, claims map[string]any, err error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, nil, err
	}
	if err := decodePart(parts[0], &header); err != nil {
		return nil, nil, err
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return nil, nil, err
	}
	alg, _ := header["alg"].(string)
	kid, _ := header["kid"].(string)
	for _, k := range s.published() {
		if k.kid == kid && k.alg == family(alg) {
			if err := jwsbb.Verify(k.priv.Public(), alg, []byte(parts[0]+"."+parts[1]), sig); err != nil {
				return nil, nil, err
			}
			return header, claims, nil
		}
	}
	return nil, nil, errors.New("no published key for this token")
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// atHash is the at_hash (or c_hash) of a token for the ID token's alg
// (OpenID Connect Core §3.1.3.6): the left half of its hash, base64url.
func atHash(alg, token string) string {
	var h hash.Hash = sha256.New()
	switch {
	case alg == "EdDSA" || alg == "Ed25519" || strings.HasSuffix(alg, "512"):
		h = sha512.New()
	case strings.HasSuffix(alg, "384"):
		h = sha512.New384()
	}
	h.Write([]byte(token))
	sum := h.Sum(nil)
	return b64(sum[:len(sum)/2])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("oidctest: Sign: " + err.Error())
	}
	return b
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// randomString returns n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b64(b)
}
