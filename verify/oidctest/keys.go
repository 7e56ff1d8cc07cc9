package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// signKey is one of the server's signing keys.
type signKey struct {
	kid  string
	alg  string
	priv crypto.Signer
}

func (s *Server) newKey(alg string) *signKey {
	var priv crypto.Signer
	var err error
	switch alg {
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		panic("oidctest: no key type for " + alg)
	}
	if err != nil {
		panic(err)
	}
	s.keyNumber++
	return &signKey{kid: fmt.Sprintf("%s-%d-%s", strings.ToLower(alg), s.keyNumber, randomString(4)), alg: alg, priv: priv}
}

// current returns the current key for alg; RSA keys serve PS256 too.
func (s *Server) current(alg string) *signKey {
	family := alg
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		family = "RS256"
	case alg == "Ed25519":
		family = "EdDSA"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ks := s.keys[family]
	if len(ks) == 0 {
		return nil
	}
	return ks[len(ks)-1]
}

// RotateKeys makes a new current key for each algorithm, published next to
// the old ones (tokens signed before keep verifying).
func (s *Server) RotateKeys() {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		k := s.newKey(alg)
		s.mu.Lock()
		s.keys[alg] = append(s.keys[alg], k)
		s.mu.Unlock()
	}
}

// RetireOldKeys unpublishes every key but the current ones.
func (s *Server) RetireOldKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for alg, ks := range s.keys {
		s.keys[alg] = ks[len(ks)-1:]
	}
}

// PublicKey returns the current public key for alg ("RS256", "ES256",
// "EdDSA").
func (s *Server) PublicKey(alg string) crypto.PublicKey { return s.current(alg).priv.Public() }

// KeyID returns the kid of the current key for alg.
func (s *Server) KeyID(alg string) string { return s.current(alg).kid }

// jwks serves the published public keys.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.JWKSStatus != 0 {
		http.Error(w, "jwks unavailable", b.JWKSStatus)
		return
	}
	set := jwk.NewSet()
	s.mu.Lock()
	var all []*signKey
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		all = append(all, s.keys[alg]...)
	}
	s.mu.Unlock()
	for _, k := range all {
		pub, err := jwk.Import(k.priv.Public())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = pub.Set(jwk.KeyIDKey, k.kid)
		_ = pub.Set(jwk.KeyUsageKey, "sig")
		if a, ok := jwa.LookupSignatureAlgorithm(k.alg); ok {
			_ = pub.Set(jwk.AlgorithmKey, a)
		}
		_ = set.AddKey(pub)
	}
	if b.JWKSCacheControl != "" {
		w.Header().Set("Cache-Control", b.JWKSCacheControl)
	}
	writeJSON(w, http.StatusOK, set)
}

// Token describes a JWT to mint with Sign.
type Token struct {
	// Alg is "RS256" (default), "RS384", "RS512", "PS256", "ES256",
	// "EdDSA", "HS256", "none", ...
	Alg string
	// Header is merged into the protected header; a nil value deletes a
	// key. Defaults: alg, typ "JWT", kid of the current key for Alg (not
	// set when Key is given).
	Header map[string]any
	Claims map[string]any
	// Key, when set, signs instead of the server's key: a crypto.Signer
	// for asymmetric algorithms, []byte for HS*. It is not published.
	Key any
}

// Sign mints a compact JWS. It panics only on programmer error (an unknown
// alg, a key of the wrong type).
func (s *Server) Sign(t Token) string {
	alg := t.Alg
	if alg == "" {
		alg = "RS256"
	}
	h := map[string]any{"alg": alg, "typ": "JWT"}
	var key any = t.Key
	if key == nil && alg != "none" && !strings.HasPrefix(alg, "HS") {
		k := s.current(alg)
		if k == nil {
			panic("oidctest: no key for " + alg)
		}
		key, h["kid"] = k.priv, k.kid
	}
	for k, v := range t.Header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	hb, err := json.Marshal(h)
	if err != nil {
		panic(err)
	}
	pb, err := json.Marshal(t.Claims)
	if err != nil {
		panic(err)
	}
	input := b64(hb) + "." + b64(pb)
	if alg == "none" {
		return input + "."
	}
	if strings.HasPrefix(alg, "HS") && key == nil {
		key = []byte(s.ClientSecret)
	}
	sig, err := jwsbb.Sign(key, alg, []byte(input), nil)
	if err != nil {
		panic("oidctest: signing: " + err.Error())
	}
	return input + "." + b64(sig)
}

// AccessToken mints an RFC 9068 access token (RS256, typ at+jwt) for sub
// and aud with the given scopes, valid for an hour.
func (s *Server) AccessToken(sub, aud string, scopes ...string) string {
	n := now()
	c := map[string]any{
		"iss": s.Issuer(), "sub": sub, "aud": aud, "client_id": s.ClientID,
		"exp": n.Add(time.Hour).Unix(), "iat": n.Unix(), "nbf": n.Unix(), "jti": randomString(12),
	}
	if len(scopes) > 0 {
		c["scope"] = strings.Join(scopes, " ")
	}
	return s.Sign(Token{Header: map[string]any{"typ": "at+jwt"}, Claims: c})
}

// IDToken mints an ID token for sub, audience aud, with nonce (omitted
// when empty).
func (s *Server) IDToken(sub, aud, nonce string) string {
	n := now()
	c := map[string]any{"iss": s.Issuer(), "sub": sub, "aud": aud, "exp": n.Add(time.Hour).Unix(), "iat": n.Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return s.Sign(Token{Claims: c})
}

// atHash is the at_hash of an access token for alg (OpenID Connect Core).
func atHash(alg, accessToken string) string {
	var h hash.Hash = sha256.New()
	if alg == "EdDSA" || strings.HasSuffix(alg, "512") {
		h = sha512.New()
	} else if strings.HasSuffix(alg, "384") {
		h = sha512.New384()
	}
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	return b64(sum[:len(sum)/2])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
