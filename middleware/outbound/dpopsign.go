package outbound

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// jwsKey is a crypto.Signer ready to sign compact JWS (RFC 7515): its
// algorithm, its public JWK and the signature form of RFC 7518 §3. DPoP
// proofs and client assertions (private_key_jwt) are both signed by one.
type jwsKey struct {
	key    crypto.Signer
	alg    string
	opts   crypto.SignerOpts // the hash; crypto.Hash(0) for Ed25519
	ecSize int               // ECDSA coordinate size; 0 for other keys
	jwk    any               // the public key as a JWK
}

// dpopSigner makes the DPoP proofs (RFC 9449 §4) of a machine-to-machine
// client and remembers the nonce each server last asked for (§8, §9).
type dpopSigner struct {
	jwsKey
	header string // the protected header, base64url: the same in every proof

	mu     sync.Mutex
	nonces *simplelru.LRU[string, string] // origin → the nonce it last sent
}

// maxNonces bounds the servers whose nonces a client remembers; when full,
// the server used least recently is forgotten (its next request costs one
// retry for a new nonce).
const maxNonces = 64

// newDPoPSigner picks the proof algorithm for key: ES256, ES384 or ES512 by
// curve, EdDSA for Ed25519, PS256 for RSA of at least 2048 bits.
func newDPoPSigner(key crypto.Signer) (*dpopSigner, error) {
	k, err := newJWSKey(key, "PS256", "Config.DPoPKey")
	if err != nil {
		return nil, err
	}
	h, _ := json.Marshal(struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK any    `json:"jwk"`
	}{"dpop+jwt", k.alg, k.jwk})
	nonces, _ := simplelru.NewLRU[string, string](maxNonces, nil)
	return &dpopSigner{jwsKey: k, header: base64.RawURLEncoding.EncodeToString(h), nonces: nonces}, nil
}

// newJWSKey picks the algorithm for key: ES256, ES384 or ES512 by curve,
// EdDSA for Ed25519, rsaAlg (PS256 or RS256) for RSA of at least 2048 bits.
// field names the setting in errors.
func newJWSKey(key crypto.Signer, rsaAlg, field string) (jwsKey, error) {
	k := jwsKey{key: key}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			k.alg, k.opts = "ES256", crypto.SHA256
		case elliptic.P384():
			k.alg, k.opts = "ES384", crypto.SHA384
		case elliptic.P521():
			k.alg, k.opts = "ES512", crypto.SHA512
		default:
			return k, fmt.Errorf("outbound: %s: ECDSA keys must be on P-256, P-384 or P-521", field)
		}
		k.ecSize = (pub.Curve.Params().BitSize + 7) / 8
		b, err := pub.Bytes()
		if err != nil {
			return k, fmt.Errorf("outbound: %s: invalid ECDSA key", field)
		}
		k.jwk = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{pub.Curve.Params().Name, "EC", b64(b[1 : 1+k.ecSize]), b64(b[1+k.ecSize:])}
	case ed25519.PublicKey:
		k.alg, k.opts = "EdDSA", crypto.Hash(0)
		k.jwk = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
		}{"Ed25519", "OKP", b64(pub)}
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return k, fmt.Errorf("outbound: %s: RSA keys need at least 2048 bits", field)
		}
		k.alg, k.opts = rsaAlg, crypto.SHA256
		if rsaAlg == "PS256" {
			k.opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		}
		k.jwk = struct {
			E   string `json:"e"`
			Kty string `json:"kty"`
			N   string `json:"n"`
		}{b64(big.NewInt(int64(pub.E)).Bytes()), "RSA", b64(pub.N.Bytes())}
	default:
		return k, fmt.Errorf("outbound: %s must be an ECDSA, Ed25519 or RSA key", field)
	}
	return k, nil
}

// sign sets r's DPoP header: a fresh proof for r's method and URI (query
// and fragment left out), with ath when accessToken is set and the nonce
// r's server last sent.
func (s *dpopSigner) sign(r *http.Request, accessToken string) error {
	u := *r.URL
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	c := struct {
		JTI   string `json:"jti"`
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   int64  `json:"iat"`
		ATH   string `json:"ath,omitempty"`
		Nonce string `json:"nonce,omitempty"`
	}{JTI: rand.Text(), HTM: r.Method, HTU: u.String(), IAT: time.Now().Unix(), Nonce: s.nonce(origin(r))}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c.ATH = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	cb, _ := json.Marshal(c)
	input := s.header + "." + base64.RawURLEncoding.EncodeToString(cb)
	sig, err := s.signature([]byte(input))
	if err != nil {
		return err
	}
	r.Header.Set("DPoP", input+"."+base64.RawURLEncoding.EncodeToString(sig))
	return nil
}

// signature signs input in JWS form (RFC 7518 §3): ECDSA as r||s.
func (s *jwsKey) signature(input []byte) ([]byte, error) {
	digest := input
	if h := s.opts.HashFunc(); h != 0 {
		hh := h.New()
		hh.Write(input)
		digest = hh.Sum(nil)
	}
	sig, err := s.key.Sign(rand.Reader, digest, s.opts)
	if err != nil || s.ecSize == 0 {
		return sig, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 ||
		rs.R.BitLen() > 8*s.ecSize || rs.S.BitLen() > 8*s.ecSize {
		return nil, errors.New("outbound: the DPoP key's ECDSA signature is not ASN.1")
	}
	out := make([]byte, 2*s.ecSize)
	rs.R.FillBytes(out[:s.ecSize])
	rs.S.FillBytes(out[s.ecSize:])
	return out, nil
}

// origin is scheme://host of r's URL: the server a nonce belongs to.
func origin(r *http.Request) string { return strings.ToLower(r.URL.Scheme + "://" + r.URL.Host) }

func (s *dpopSigner) nonce(origin string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := s.nonces.Get(origin)
	return n
}

// noteNonce remembers the DPoP-Nonce resp carries, and reports whether it
// is new: a request refused for lack of it is worth sending again.
func (s *dpopSigner) noteNonce(r *http.Request, resp *http.Response) bool {
	n := resp.Header.Get("DPoP-Nonce")
	if n == "" || len(n) > 512 {
		return false
	}
	o := origin(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, _ := s.nonces.Peek(o); old == n {
		return false
	}
	s.nonces.Add(o, n)
	return true
}
