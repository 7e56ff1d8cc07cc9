package verify

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
	"time"
)

// defaultCacheSize is the number of verified tokens kept when
// Config.CacheSize is zero.
const defaultCacheSize = 4096

// cacheWays is the number of slots in a set (a token may occupy any slot of
// the two sets it hashes to). Eight keeps a set to one cache line of
// pointers.
const cacheWays = 8

// tokenCache remembers tokens that passed every check, so a client that
// sends the same token again costs a hash and a lookup instead of a
// signature check. It is keyed by a seeded hash of the raw token and the
// entry keeps the raw token, which must match exactly. An entry is used only
// while its issuer's key set is the one it was verified with; the time checks
// (exp, nbf, iat) run again on every hit, and expired entries are dropped.
//
// The read path takes no lock and writes no shared memory: the cache is a
// fixed array of atomic pointers, split into sets of cacheWays slots; a token
// lives only in one of the two sets its hash names. A hit is 2*cacheWays
// atomic loads at most, so every core reads in parallel however many there are (a
// sync.RWMutex would make every reader write its one reader count, a cache
// line all cores fight over). Nor does it allocate: every hit hands out the
// same *Token (sharedtoken.go), so 64 cores hitting one token share
// read-only cache lines and make no garbage for the collector to stop them
// for. A put stores into an empty or stale slot of the first set, else of
// the second, or, both full, overwrites one chosen by the hash: the array's
// size is the bound, and no sweep is ever needed. With one set per token,
// 10 000 tokens in 16 384 slots left about 3 % of them in a set already
// full, evicting each other on every round (BenchmarkDistinctTokens); with
// the second set to overflow into, about 0.03 % (TestCacheHoldsWhatFits).
// Two puts racing for one slot lose one entry, which only costs its next
// verification.
//
// It is one of the two bounded caches in Gatehouse that are not a
// golang-lru/v2 LRU (replay.go says why for the other): it sits on the hot
// path of every bearer request, and an LRU's Get takes a mutex (it moves
// the entry to the front), the very shared write this design avoids.
type tokenCache struct {
	seed  maphash.Seed
	slots []atomic.Pointer[cacheEntry]
	mask  uint64 // number of sets - 1
}

type cacheEntry struct {
	hash uint64
	raw  string
	tok  *Token // the cache's own copy of a verified JWT: never handed out
	// shared is the Token every hit hands out (sharedtoken.go); unused by
	// introspection entries, whose tok is copied per hit.
	shared atomic.Pointer[Token]
	keys   *keySet
	gen    uint64 // the key-set generation the token was verified with

	// Introspection results (introspect.go) carry no keys: an entry lives
	// until until, and err, when set, is a cached refusal.
	until time.Time
	err   error
}

// newTokenCache returns a cache of at least size entries (rounded up to a
// power-of-two number of full sets).
func newTokenCache(size int) *tokenCache {
	sets := max(1, (size+cacheWays-1)/cacheWays)
	sets = 1 << bits.Len(uint(sets-1)) // round up to a power of two
	return &tokenCache{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[cacheEntry], sets*cacheWays), mask: uint64(sets - 1)}
}

// sets returns the two sets of slots a token with hash h may live in, named
// by h's low and high halves (the same set twice when they agree).
func (c *tokenCache) sets(h uint64) [2][]atomic.Pointer[cacheEntry] {
	return [2][]atomic.Pointer[cacheEntry]{c.set(h), c.set(h >> 32)}
}

// set returns the set of slots that h's low bits name.
func (c *tokenCache) set(h uint64) []atomic.Pointer[cacheEntry] {
	i := (h & c.mask) * cacheWays
	return c.slots[i : i+cacheWays : i+cacheWays]
}

// lookup returns the entry for raw, if any and still backed by the same
// keys, and raw's hash.
func (c *tokenCache) lookup(raw string) (*cacheEntry, uint64) {
	h := maphash.String(c.seed, raw)
	for _, set := range c.sets(h) {
		for i := range set {
			e := set[i].Load()
			// Comparing with == is safe here: reaching this compare with
			// someone else's token needs a collision of a secretly seeded
			// 64-bit hash.
			if e == nil || e.hash != h || e.raw != raw {
				continue
			}
			if e.keys != nil && e.keys.current().gen != e.gen {
				set[i].CompareAndSwap(e, nil)
				return nil, h
			}
			return e, h
		}
	}
	return nil, h
}

// put caches t, verified with generation gen of keys, under hash h. t is
// the Token hits hand out; the entry keeps a private copy of its own.
func (c *tokenCache) put(h uint64, t *Token, keys *keySet, gen uint64) {
	e := &cacheEntry{hash: h, raw: t.Raw, tok: t.private(), keys: keys, gen: gen}
	e.shared.Store(t)
	c.store(e)
}

// store caches e under e.hash.
func (c *tokenCache) store(e *cacheEntry) {
	h := e.hash
	sets := c.sets(h)
	for _, set := range sets { // the token's own slot, when it is cached
		for i := range set {
			if old := set[i].Load(); old != nil && old.hash == h {
				set[i].Store(e)
				return
			}
		}
	}
	for _, set := range sets {
		for i := range set {
			if old := set[i].Load(); old == nil || old.keys != nil && old.keys.current().gen != old.gen {
				set[i].Store(e)
				return
			}
		}
	}
	// Both sets are full: overwrite the slot the hash's top bits name, so
	// which entry goes is spread evenly and needs no shared state.
	sets[h>>63][(h>>56)%cacheWays].Store(e)
}

// drop forgets the token with hash h.
func (c *tokenCache) drop(h uint64) {
	for _, set := range c.sets(h) {
		for i := range set {
			if e := set[i].Load(); e != nil && e.hash == h {
				set[i].CompareAndSwap(e, nil)
			}
		}
	}
}

// len reports the number of entries (for tests).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// cap reports the number of slots, the cache's bound (for tests).
func (c *tokenCache) cap() int { return len(c.slots) }
