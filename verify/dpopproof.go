package verify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// proof is a parsed DPoP proof whose signature is not yet checked.
type proof struct {
	alg   string
	key   *publicKey
	jkt   string
	sig   []byte
	dot   int // index of the second '.': proof[:dot] is the signing input
	jti   string
	htm   string
	htu   string
	iat   float64
	ath   string
	nonce string
}

// proofHeader is a DPoP proof's protected header.
type proofHeader struct {
	alg, typ string
	crit     bool
	jwk      map[string]string // the public members read
	hasJWK   bool
	private  bool // jwk holds a private member
}

// proofClaims are the claims of a DPoP proof.
type proofClaims struct {
	p *proof
}

// parse decodes a proof with the strict decoder and checks its header. The
// key is built by the same rules as a key set's (keyrules.go).
func (v *DPoPVerifier) parse(raw string) (*proof, error) {
	if len(raw) > maxProofSize {
		return nil, errProofSize
	}
	d1 := strings.IndexByte(raw, '.')
	d2 := strings.LastIndexByte(raw, '.')
	if d1 < 0 || d1 == d2 || strings.Count(raw, ".") != 2 || d2 == len(raw)-1 {
		return nil, errProofForm
	}
	pk, err := v.keys.get(raw[:d1], v.parseHeader)
	if err != nil {
		return nil, err
	}
	p := &proof{alg: pk.alg, key: pk.key, jkt: pk.jkt, dot: d2}
	cb, err := b64.DecodeString(raw[d1+1 : d2])
	if err != nil || len(cb) == 0 || cb[0] != '{' {
		return nil, errProofClaims
	}
	if err := json.Unmarshal(cb, &proofClaims{p}); err != nil {
		return nil, proofDecodeError(err, errProofClaims)
	}
	if p.sig, err = b64.DecodeString(raw[d2+1:]); err != nil {
		return nil, errProofForm
	}
	return p, nil
}

// proofKey is what a proof's header yields: its alg, its key and the
// key's thumbprint.
type proofKey struct {
	alg string
	key *publicKey
	jkt string
}

// parseHeader decodes and checks a proof's header segment.
func (v *DPoPVerifier) parseHeader(seg string) (*proofKey, error) {
	hb, err := b64.DecodeString(seg)
	if err != nil {
		return nil, errProofForm
	}
	var h proofHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, proofDecodeError(err, errProofHeader)
	}
	switch {
	case !isDPoPType(h.typ):
		return nil, errProofType
	case h.alg == "" || !slices.Contains(v.algs, h.alg):
		return nil, errProofAlg
	case h.crit:
		return nil, errProofCrit
	case !h.hasJWK:
		return nil, errProofNoJWK
	case h.private:
		return nil, errProofPrivate
	}
	key, err := jwkKey(h.jwk)
	if err != nil || !key.canSign(h.alg) {
		return nil, errProofJWK
	}
	return &proofKey{alg: h.alg, key: key, jkt: thumbprint(key.key, h.jwk)}, nil
}

// proofDecodeError keeps a proof rejection, and turns any other decoder
// failure (a token rejection such as a duplicate name) into fallback.
func proofDecodeError(err, fallback error) error {
	var ce *checkError
	if errors.As(err, &ce) && slices.Contains(ce.kind, ErrDPoPProof) {
		return ce
	}
	return fallback
}

// UnmarshalJSONFrom decodes the header members a proof check reads.
func (h *proofHeader) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		switch name := tok.String(); name {
		case "alg":
			return readString(dec, &h.alg)
		case "typ":
			return readString(dec, &h.typ)
		case "crit", "b64":
			h.crit = true
			return dec.SkipValue()
		case "jwk":
			h.hasJWK = true
			return h.readJWK(dec)
		default:
			return skipMember(dec, name)
		}
	})
}

// jwkPublic are the JWK members a public signature key is built from.
var jwkPublic = []string{"kty", "crv", "x", "y", "n", "e"}

// readJWK reads the jwk header: the public members as strings, a private
// member noted (never kept), a case variant of a JWK name refused.
func (h *proofHeader) readJWK(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return errProofJWK
	}
	h.jwk = make(map[string]string, 4)
	return readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		name := tok.String()
		switch {
		case slices.Contains(jwkPublic, name):
			var s string
			if err := readString(dec, &s); err != nil {
				return errProofJWK
			}
			h.jwk[name] = s
			return nil
		case slices.Contains(privateMembers, name):
			h.private = true
		case caseVariant(name, jwkNames):
			return errProofJWK
		}
		return dec.SkipValue()
	})
}

// UnmarshalJSONFrom decodes the claims of a proof.
func (c *proofClaims) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	p := c.p
	return readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		switch name := tok.String(); name {
		case "jti":
			return readString(dec, &p.jti)
		case "htm":
			return readString(dec, &p.htm)
		case "htu":
			return readString(dec, &p.htu)
		case "iat":
			return readNumber(dec, &p.iat)
		case "ath":
			return readString(dec, &p.ath)
		case "nonce":
			return readString(dec, &p.nonce)
		default:
			if caseVariant(name, dpopClaimNames) {
				return errCaseVariant
			}
			return skipMember(dec, name)
		}
	})
}

// dpopClaimNames are the proof claims read (RFC 9449 §4.2).
var dpopClaimNames = []string{"jti", "htm", "htu", "iat", "ath", "nonce"}

// jwkKey builds the public key a proof's jwk describes, by the rules of
// keyrules.go (RSA of at least 2048 bits, EC on a NIST curve and on it,
// Ed25519).
func jwkKey(m map[string]string) (*publicKey, error) {
	str := func(name string) (string, error) { return m[name], nil }
	var (
		key any
		err error
	)
	switch m["kty"] {
	case "RSA":
		key, err = rsaKey(str)
	case "EC":
		key, err = ecKey(m["crv"], str)
	case "OKP":
		key, err = okpKey(m["crv"], str)
	default:
		return nil, errProofJWK
	}
	if err != nil {
		return nil, err
	}
	return &publicKey{key: key}, nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of a public key, base64url:
// the hash of its required members in lexicographic order, each value in
// its canonical encoding (rebuilt from the key, so padding or another
// alphabet in the proof's jwk does not change it).
//
// For an EC key the coordinates are taken from the jwk members m the key
// was built from (ecKey checked their sizes), decoded again rather than
// read back from the key, which would cost a conversion and a curve check.
func thumbprint(key any, m map[string]string) string {
	var buf [1200]byte // an RSA-8192 thumbprint input fits
	b := buf[:0]
	str := func(name string) (string, error) { return m[name], nil }
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		x, _ := bytesMember("x", str)
		y, _ := bytesMember("y", str)
		b = append(b, `{"crv":"`+k.Curve.Params().Name+`","kty":"EC","x":"`...)
		b = b64.AppendEncode(b, x)
		b = append(b, `","y":"`...)
		b = b64.AppendEncode(b, y)
	case *rsa.PublicKey:
		e := []byte{byte(k.E >> 24), byte(k.E >> 16), byte(k.E >> 8), byte(k.E)}
		for len(e) > 1 && e[0] == 0 {
			e = e[1:]
		}
		b = append(b, `{"e":"`...)
		b = b64.AppendEncode(b, e)
		b = append(b, `","kty":"RSA","n":"`...)
		b = b64.AppendEncode(b, k.N.Bytes())
	case ed25519.PublicKey:
		b = append(b, `{"crv":"Ed25519","kty":"OKP","x":"`...)
		b = b64.AppendEncode(b, k)
	}
	b = append(b, `"}`...)
	sum := sha256.Sum256(b)
	return b64.EncodeToString(sum[:])
}
