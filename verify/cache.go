package verify

import (
	"hash/maphash"
	"sync"
)

// defaultCacheSize is the number of verified tokens kept when
// Config.CacheSize is zero.
const defaultCacheSize = 4096

// tokenCache remembers tokens that passed every check, so a client that
// sends the same token again costs a hash and a map lookup instead of a
// signature check. It is keyed by a seeded hash of the raw token and the
// entry keeps the raw token, which must match exactly. An entry is used only
// while its issuer's key set is the one it was verified with; the time checks
// (exp, nbf, iat) run again on every hit, and expired entries are dropped.
type tokenCache struct {
	seed maphash.Seed
	max  int
	mu   sync.RWMutex
	m    map[uint64]*cacheEntry
}

type cacheEntry struct {
	raw  string
	tok  *Token
	keys *keySet
	gen  uint64 // the key-set generation the token was verified with
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{seed: maphash.MakeSeed(), max: max, m: make(map[uint64]*cacheEntry)}
}

// get returns the cached token for raw, if any and still backed by the same
// keys.
func (c *tokenCache) get(raw string) (*Token, uint64) {
	h := maphash.String(c.seed, raw)
	c.mu.RLock()
	e := c.m[h]
	c.mu.RUnlock()
	// Comparing with == is safe here: reaching this compare with someone
	// else's token needs a collision of a secretly seeded 64-bit hash.
	if e == nil || e.raw != raw {
		return nil, h
	}
	if e.keys != nil && e.keys.current().gen != e.gen {
		c.drop(h)
		return nil, h
	}
	return e.tok, h
}

func (c *tokenCache) put(h uint64, t *Token, keys *keySet, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Evict about an eighth, in map order (pseudo-random).
		n := c.max/8 + 1
		for k := range c.m {
			delete(c.m, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.m[h] = &cacheEntry{raw: t.Raw, tok: t, keys: keys, gen: gen}
}

func (c *tokenCache) drop(h uint64) {
	c.mu.Lock()
	delete(c.m, h)
	c.mu.Unlock()
}

// len reports the number of entries (for tests).
func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
