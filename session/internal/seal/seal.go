// Package seal encrypts and authenticates the values of Gatehouse's cookies
// (the cookie store's session, the login flows, redisstore's session ID),
// with one rule for the keys wherever they are given.
//
// A value is sealed with AES-256-GCM under a key derived with HKDF-SHA256
// from one (hash key, encryption key) pair, the cookie's name as additional
// data (a value does not move to another cookie), and a random nonce:
//
//	"g1." base64url(nonce ‖ ciphertext ‖ tag)
//
// Every pair opens, the first seals, so keys rotate by adding a pair in
// front. Values sealed by earlier versions with gorilla/securecookie under
// the same pairs (AES-CTR then HMAC-SHA256, base64 twice) still open, and
// are sealed anew the next time they are written. One AEAD open and one
// base64 decode is the cheapest a sealed cookie can be read.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/gorilla/securecookie"
)

// prefix marks the AES-GCM form; '.' is outside securecookie's alphabet.
const prefix = "g1."

// info binds the derived keys to this use.
const info = "gatehouse cookie AES-256-GCM v1"

// Key sizes: a hash key of 32 to 64 bytes, an encryption key of 32 bytes
// (AES-256).
const (
	MinHashKey = 32
	MaxHashKey = 64
	BlockKey   = 32
)

// Sealer seals and opens cookie values. It is safe for concurrent use.
type Sealer struct {
	aeads  []cipher.AEAD
	legacy []securecookie.Codec
}

// New checks keyPairs, pairs of (hash key, encryption key) newest first,
// and returns a Sealer; what names the keys in errors is who.
func New(who string, keyPairs [][]byte) (*Sealer, error) {
	if len(keyPairs) == 0 || len(keyPairs)%2 != 0 {
		return nil, fmt.Errorf("%s: keys come in pairs of (hash key, encryption key)", who)
	}
	s := &Sealer{}
	for i := 0; i < len(keyPairs); i += 2 {
		h, b := keyPairs[i], keyPairs[i+1]
		if len(h) < MinHashKey || len(h) > MaxHashKey {
			return nil, fmt.Errorf("%s: hash key %d is %d bytes, want %d to %d", who, i/2, len(h), MinHashKey, MaxHashKey)
		}
		if len(b) != BlockKey {
			return nil, fmt.Errorf("%s: encryption key %d is %d bytes, want %d (AES-256)", who, i/2, len(b), BlockKey)
		}
		key, err := hkdf.Key(sha256.New, append(append([]byte(nil), h...), b...), nil, info, 32)
		if err != nil {
			return nil, fmt.Errorf("%s: deriving key %d: %w", who, i/2, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", who, i/2, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", who, i/2, err)
		}
		s.aeads = append(s.aeads, aead)
		sc := securecookie.New(h, b)
		sc.SetSerializer(securecookie.NopEncoder{})
		sc.MaxLength(0) // callers bound sizes themselves
		sc.MaxAge(0)    // callers seal their own expiry where they need one
		s.legacy = append(s.legacy, sc)
	}
	return s, nil
}

// Seal returns plain sealed for the cookie called name.
func (s *Sealer) Seal(name string, plain []byte) string {
	aead := s.aeads[0]
	n := aead.NonceSize()
	buf := make([]byte, n, n+len(plain)+aead.Overhead())
	rand.Read(buf)
	buf = aead.Seal(buf, buf[:n], plain, []byte(name))
	out := make([]byte, len(prefix)+base64.RawURLEncoding.EncodedLen(len(buf)))
	copy(out, prefix)
	base64.RawURLEncoding.Encode(out[len(prefix):], buf)
	return string(out)
}

// errOpen is every reason a value does not open; which one is not told.
var errOpen = errors.New("seal: the value does not open")

// Open returns the plaintext of a value sealed for the cookie called name,
// or an error when it is malformed, tampered with, foreign or under a key no
// longer given.
func (s *Sealer) Open(name, value string) ([]byte, error) {
	var buf []byte
	return s.OpenInto(&buf, name, value)
}

// OpenInto is Open decoding into *buf, grown when too small and left
// holding the grown buffer for the caller to use again: the plaintext is a
// slice of it, valid until *buf is reused. (A legacy value opens into a
// buffer of its own.)
func (s *Sealer) OpenInto(buf *[]byte, name, value string) ([]byte, error) {
	rest, ok := strings.CutPrefix(value, prefix)
	if !ok {
		var plain []byte
		if securecookie.DecodeMulti(name, value, &plain, s.legacy...) != nil {
			return nil, errOpen
		}
		return plain, nil
	}
	size := base64.RawURLEncoding.DecodedLen(len(rest))
	if cap(*buf) < size {
		*buf = make([]byte, size)
	}
	b := (*buf)[:size]
	for _, aead := range s.aeads {
		// Open in place, into the decoded buffer: a failed open clears
		// it, so each key decodes its own (keys past the first are tried
		// only while they rotate out).
		n, err := base64.RawURLEncoding.Decode(b, []byte(rest))
		if err != nil {
			return nil, errOpen
		}
		ns := aead.NonceSize()
		if n < ns+aead.Overhead() {
			return nil, errOpen
		}
		if plain, err := aead.Open(b[ns:ns], b[:ns], b[ns:n], []byte(name)); err == nil {
			return plain, nil
		}
	}
	return nil, errOpen
}

// Legacy seals plain the way earlier versions did (securecookie, first
// pair); for tests that show such values still open.
func (s *Sealer) Legacy(name string, plain []byte) (string, error) {
	return securecookie.EncodeMulti(name, plain, s.legacy...)
}
