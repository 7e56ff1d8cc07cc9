package verify

import (
	"crypto/sha256"
	"sync"
)

// headerCacheSize bounds the proof headers remembered.
const headerCacheSize = 1024

// headerCache remembers the outcome of checking a DPoP proof header (its
// alg, its key built and validated, the key's thumbprint), keyed by the
// SHA-256 of the header segment. A client signs every proof with one key,
// so its proofs share one header, and the key is parsed, checked on its
// curve and hashed once rather than per proof. Only accepted headers are
// kept; the outcome depends on the segment alone, so a hit is exactly what a
// fresh parse would give. When full, an arbitrary entry makes room.
type headerCache struct {
	mu  sync.RWMutex
	max int
	m   map[[sha256.Size]byte]*proofKey
}

func newHeaderCache(max int) *headerCache {
	return &headerCache{max: max, m: make(map[[sha256.Size]byte]*proofKey)}
}

// get returns the checked header seg, from the cache or from parse.
func (c *headerCache) get(seg string, parse func(string) (*proofKey, error)) (*proofKey, error) {
	h := sha256.Sum256([]byte(seg))
	c.mu.RLock()
	pk := c.m[h]
	c.mu.RUnlock()
	if pk != nil {
		return pk, nil
	}
	pk, err := parse(seg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if len(c.m) < c.max {
			break
		}
		delete(c.m, k)
	}
	c.m[h] = pk
	return pk, nil
}
