package verify

import (
	"crypto/sha256"

	lru "github.com/hashicorp/golang-lru/v2"
)

// headerCacheSize bounds the proof headers remembered.
const headerCacheSize = 1024

// headerCache remembers the outcome of checking a DPoP proof header (its
// alg, its key built and validated, the key's thumbprint), keyed by the
// SHA-256 of the header segment. A client signs every proof with one key,
// so its proofs share one header, and the key is parsed, checked on its
// curve and hashed once rather than per proof. Only accepted headers are
// kept; the outcome depends on the segment alone (no expiry), so a hit is
// exactly what a fresh parse would give. It is a golang-lru/v2 Cache: when
// full, the header used least recently makes room. (Its Get takes a mutex;
// next to the proof's signature check that follows every hit, it is noise.)
type headerCache struct {
	m *lru.Cache[[sha256.Size]byte, *proofKey]
}

func newHeaderCache(max int) *headerCache {
	m, err := lru.New[[sha256.Size]byte, *proofKey](max)
	if err != nil {
		panic("verify: header cache size must be positive") // a constant, or a test's
	}
	return &headerCache{m: m}
}

// get returns the checked header seg, from the cache or from parse.
func (c *headerCache) get(seg string, parse func(string) (*proofKey, error)) (*proofKey, error) {
	h := sha256.Sum256(readOnly(seg))
	if pk, ok := c.m.Get(h); ok {
		return pk, nil
	}
	pk, err := parse(seg)
	if err != nil {
		return nil, err
	}
	c.m.Add(h, pk)
	return pk, nil
}
