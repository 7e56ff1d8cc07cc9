package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// families are the server's key families, named by the alg they publish.
var families = []string{"RS256", "ES256", "EdDSA"}

// signKey is one of the server's signing keys.
type signKey struct {
	kid  string
	alg  string // the family: RS256, ES256 or EdDSA
	priv crypto.Signer
}

// newKey generates a key of a family; seq makes its kid readable.
func newKey(fam string, seq int) *signKey {
	var priv crypto.Signer
	var err error
	switch fam {
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		panic("oidctest: no key family " + fam)
	}
	if err != nil {
		panic("oidctest: generating a key: " + err.Error())
	}
	return &signKey{kid: fmt.Sprintf("%s-%d-%s", strings.ToLower(fam), seq, randomString(4)), alg: fam, priv: priv}
}

// newKey generates a key for s with the next sequence number.
func (s *Server) newKey(fam string) *signKey {
	s.mu.Lock()
	s.keySeq++
	seq := s.keySeq
	s.mu.Unlock()
	return newKey(fam, seq)
}

// family maps a JWS alg to the key family that signs it: RSA keys sign
// RS* and PS*, "Ed25519" is EdDSA. Unknown algs map to themselves.
func family(alg string) string {
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		return "RS256"
	case alg == "Ed25519":
		return "EdDSA"
	}
	return alg
}

// current returns the current key for alg, or nil.
func (s *Server) current(alg string) *signKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	ks := s.keys[family(alg)]
	if len(ks) == 0 {
		return nil
	}
	return ks[len(ks)-1]
}

// published returns every published key, in a stable order.
func (s *Server) published() []*signKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*signKey
	for _, fam := range families {
		all = append(all, s.keys[fam]...)
	}
	return all
}

// RotateKeys makes a new current key for each algorithm, published next to
// the old ones: tokens signed before keep verifying.
func (s *Server) RotateKeys() {
	fresh := make([]*signKey, len(families))
	for i, fam := range families {
		fresh[i] = s.newKey(fam)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range fresh {
		s.keys[k.alg] = append(s.keys[k.alg], k)
	}
}

// RetireOldKeys unpublishes every key but the current ones: tokens they
// signed stop verifying.
func (s *Server) RetireOldKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for fam, ks := range s.keys {
		s.keys[fam] = ks[len(ks)-1:]
	}
}

// PublicKey returns the current public key for alg ("RS256", "ES256",
// "EdDSA"; RS* and PS* name the RSA key), or nil for an alg the server has
// no key for.
func (s *Server) PublicKey(alg string) crypto.PublicKey {
	if k := s.current(alg); k != nil {
		return k.priv.Public()
	}
	return nil
}

// KeyID returns the kid of the current key for alg, or "" for an alg the
// server has no key for.
func (s *Server) KeyID(alg string) string {
	if k := s.current(alg); k != nil {
		return k.kid
	}
	return ""
}

// jwks serves the published public keys.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if b.JWKSStatus != 0 {
		http.Error(w, "jwks unavailable (oidctest JWKSStatus)", b.JWKSStatus)
		return
	}
	var keys []map[string]any
	for _, k := range s.published() {
		pub, err := jwk.Import(k.priv.Public())
		if err != nil {
			panic("oidctest: importing a public key: " + err.Error())
		}
		var m map[string]any
		if err := json.Unmarshal(mustJSON(pub), &m); err != nil {
			panic("oidctest: building the JWKS: " + err.Error())
		}
		m["kid"], m["use"], m["alg"] = k.kid, "sig", k.alg
		for name, v := range b.JWKSMembers[k.alg] {
			if v == nil {
				delete(m, name)
			} else {
				m[name] = v
			}
		}
		keys = append(keys, m)
	}
	if b.JWKSCacheControl != "" {
		w.Header().Set("Cache-Control", b.JWKSCacheControl)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
