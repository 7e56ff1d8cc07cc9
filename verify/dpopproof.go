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
	jwk      proofJWK // the public members read
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
	// The claims and the signature are decoded into one buffer.
	buf := make([]byte, b64.DecodedLen(len(raw)-d1-1))
	n, err := b64.Decode(buf, readOnly(raw[d1+1:d2]))
	if err != nil || n == 0 || buf[0] != '{' {
		return nil, errProofClaims
	}
	cb := buf[:n:n]
	if err := json.Unmarshal(cb, &proofClaims{p}); err != nil {
		return nil, proofDecodeError(err, errProofClaims)
	}
	n, err = b64.Decode(buf[len(cb):], readOnly(raw[d2+1:]))
	if err != nil {
		return nil, errProofForm
	}
	p.sig = buf[len(cb) : len(cb)+n]
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
	hb := make([]byte, b64.DecodedLen(len(seg)))
	n, err := b64.Decode(hb, readOnly(seg))
	if err != nil {
		return nil, errProofForm
	}
	hb = hb[:n]
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
	key, jkt, err := jwkKey(&h.jwk)
	if err != nil || !key.canSign(h.alg) {
		return nil, errProofJWK
	}
	return &proofKey{alg: h.alg, key: key, jkt: jkt}, nil
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

// proofJWK holds the members of a proof's jwk header that a public
// signature key is built from.
type proofJWK struct{ kty, crv, x, y, n, e string }

// member returns a pointer to the field for the JWK member name, nil for
// a name that is not read.
func (j *proofJWK) member(name string) *string {
	switch name {
	case "kty":
		return &j.kty
	case "crv":
		return &j.crv
	case "x":
		return &j.x
	case "y":
		return &j.y
	case "n":
		return &j.n
	case "e":
		return &j.e
	}
	return nil
}

// get returns the JWK member name ("" when absent), in the shape the key
// rules read members.
func (j *proofJWK) get(name string) (string, error) {
	if p := j.member(name); p != nil {
		return *p, nil
	}
	return "", nil
}

// readJWK reads the jwk header: the public members as strings, a private
// member noted (never kept), a case variant of a JWK name refused.
func (h *proofHeader) readJWK(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return errProofJWK
	}
	return readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		name := tok.String()
		switch {
		case h.jwk.member(name) != nil:
			if err := readString(dec, h.jwk.member(name)); err != nil {
				return errProofJWK
			}
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
// Ed25519), and its thumbprint.
func jwkKey(j *proofJWK) (*publicKey, string, error) {
	var (
		key any
		err error
	)
	switch j.kty {
	case "RSA":
		key, err = rsaKey(j.get)
	case "EC":
		var k *ecdsa.PublicKey
		var x, y []byte
		if k, x, y, err = ecKeyXY(j.crv, j.get); err == nil {
			return &publicKey{key: k}, ecThumbprint(j.crv, x, y), nil
		}
	case "OKP":
		key, err = okpKey(j.crv, j.get)
	default:
		return nil, "", errProofJWK
	}
	if err != nil {
		return nil, "", err
	}
	return &publicKey{key: key}, thumbprint(key), nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of an RSA or Ed25519
// public key, base64url: the hash of its required members in lexicographic
// order, each value in its canonical encoding (rebuilt from the key, so
// padding or another alphabet in the proof's jwk does not change it).
func thumbprint(key any) string {
	var buf [1200]byte // an RSA-8192 thumbprint input fits
	b := buf[:0]
	switch k := key.(type) {
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
	return thumbprintOf(append(b, `"}`...))
}

// ecThumbprint is thumbprint for an EC key on curve crv whose coordinates,
// checked by ecKeyXY, are x and y: they are the bytes the key was built
// from, so nothing is read back from the key.
func ecThumbprint(crv string, x, y []byte) string {
	var buf [300]byte // a P-521 thumbprint input fits
	b := append(append(append(buf[:0], `{"crv":"`...), crv...), `","kty":"EC","x":"`...)
	b = b64.AppendEncode(b, x)
	b = append(b, `","y":"`...)
	b = b64.AppendEncode(b, y)
	return thumbprintOf(append(b, `"}`...))
}

// thumbprintOf hashes a thumbprint input, base64url.
func thumbprintOf(b []byte) string {
	sum := sha256.Sum256(b)
	return b64.EncodeToString(sum[:])
}
