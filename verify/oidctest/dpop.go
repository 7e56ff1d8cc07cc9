package oidctest

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// dpopAlgs are the proof algorithms the token endpoint accepts and
// advertises (dpop_signing_alg_values_supported).
var dpopAlgs = []string{"ES256", "ES384", "EdDSA", "RS256", "PS256"}

// dpopBinding checks the DPoP proof of a token request (RFC 9449 §5) and
// returns the thumbprint of its key, to bind the access token to (cnf.jkt,
// token_type DPoP); "" without a DPoP header. The checks are a test
// provider's: typ, an asymmetric alg, a public jwk that verifies the
// signature, htm POST, htu the token endpoint, iat within five minutes,
// jti not seen before, and Behavior.DPoPNonce when set.
func (s *Server) dpopBinding(r *http.Request, b Behavior) (string, *oauthError) {
	hs := r.Header.Values("DPoP")
	switch {
	case len(hs) == 0:
		return "", nil
	case len(hs) > 1:
		return "", badProof("more than one DPoP header")
	}
	msg, err := jws.Parse([]byte(hs[0]))
	if err != nil || len(msg.Signatures()) != 1 {
		return "", badProof("not a compact JWS")
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	typ, _ := h.Type()
	alg, _ := h.Algorithm()
	key, hasKey := h.JWK()
	switch {
	case typ != "dpop+jwt":
		return "", badProof("typ is not dpop+jwt")
	case !slices.Contains(dpopAlgs, alg.String()):
		return "", badProof("alg not accepted")
	case !hasKey:
		return "", badProof("no jwk header")
	}
	if _, err := jwk.PublicKeyOf(key); err != nil || isPrivate(key) {
		return "", badProof("the jwk is not a public key")
	}
	payload, err := jws.Verify([]byte(hs[0]), jws.WithKey(jwa.SignatureAlgorithm(alg), key))
	if err != nil {
		return "", badProof("signature does not verify")
	}
	var c struct {
		JTI   string  `json:"jti"`
		HTM   string  `json:"htm"`
		HTU   string  `json:"htu"`
		IAT   float64 `json:"iat"`
		Nonce string  `json:"nonce"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return "", badProof("claims are not JSON")
	}
	iat := time.Unix(int64(c.IAT), 0)
	switch {
	case c.JTI == "" || c.HTM != http.MethodPost || strings.TrimSuffix(c.HTU, "/") != s.URL+"/token":
		return "", badProof("jti, htm or htu wrong")
	case time.Since(iat).Abs() > 5*time.Minute:
		return "", badProof("iat out of window")
	case b.DPoPNonce != "" && c.Nonce != b.DPoPNonce:
		return "", &oauthError{status: http.StatusBadRequest, code: "use_dpop_nonce",
			desc: "the DPoP proof needs the server's nonce", nonce: b.DPoPNonce}
	}
	s.mu.Lock()
	seen := s.proofs[c.JTI]
	s.proofs[c.JTI] = true
	s.mu.Unlock()
	if seen {
		return "", badProof("jti already used")
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", badProof("no thumbprint")
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// isPrivate reports whether a JWK carries private key material.
func isPrivate(k jwk.Key) bool {
	for _, name := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if k.Has(name) {
			return true
		}
	}
	return false
}

func badProof(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof", desc: desc}
}
