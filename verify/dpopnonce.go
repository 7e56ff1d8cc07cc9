package verify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"time"
)

// nonceSource makes and checks server nonces for DPoP proofs (RFC 9449 §8)
// without storing them: a nonce is a time slot and a MAC of it, so every
// replica holding the key accepts it. A nonce made in slot n is accepted in
// slots n and n+1.
type nonceSource struct {
	key  []byte
	slot time.Duration
}

func newNonceSource(key []byte, slot time.Duration) (*nonceSource, error) {
	switch {
	case len(key) == 0:
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	case len(key) < 32:
		return nil, errors.New("verify: DPoPConfig.NonceKey must be at least 32 bytes")
	}
	return &nonceSource{key: slices.Clone(key), slot: slot}, nil
}

// mint returns the nonce of slot n: 8 bytes of n, then 16 of its MAC.
func (s *nonceSource) mint(n uint64) string {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+sha256.Size), n)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("gatehouse dpop nonce"))
	m.Write(b)
	return b64.EncodeToString(m.Sum(b)[:24])
}

func (s *nonceSource) slotOf(t time.Time) uint64 { return uint64(t.UnixNano() / int64(s.slot)) }

// current is the nonce to hand out at now.
func (s *nonceSource) current(now time.Time) string { return s.mint(s.slotOf(now)) }

// valid reports whether nonce was made in now's slot or the one before.
func (s *nonceSource) valid(nonce string, now time.Time) bool {
	b, err := b64.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false
	}
	n, cur := binary.BigEndian.Uint64(b), s.slotOf(now)
	if n != cur && n+1 != cur {
		return false
	}
	return hmac.Equal([]byte(s.mint(n)), []byte(nonce))
}
