package verify

import (
	"container/heap"
	"crypto/sha256"
	"sync"
	"time"
)

// replayCache remembers proof IDs until they expire, to refuse a second use.
// It holds at most max entries: an insert first drops the expired ones, and
// when the cache is still full evicts the entry closest to its expiry.
//
// It stays a heap by expiry rather than a golang-lru/v2 LRU, like the
// session deny list: each entry has its own expiry (the proof's iat plus
// MaxAge, and iats differ by up to MaxAge plus the leeway), so the order of
// insertion is not the order of expiry. Under a flood the heap evicts the
// proof whose replay window is shortest, and drops every expired entry
// however recent; an LRU would evict the proof seen first, whose window may
// be the longest. Both are O(log n) per insert.
type replayCache struct {
	mu   sync.Mutex
	max  int
	seen map[[sha256.Size]byte]struct{}
	exp  expiryHeap
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, seen: make(map[[sha256.Size]byte]struct{})}
}

// first records key until exp and reports whether it was not there yet.
func (c *replayCache) first(key [sha256.Size]byte, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[key]; ok {
		return false
	}
	for len(c.exp) > 0 && (!c.exp[0].at.After(now) || len(c.exp) >= c.max) {
		delete(c.seen, heap.Pop(&c.exp).(expiring).key)
	}
	c.seen[key] = struct{}{}
	heap.Push(&c.exp, expiring{key: key, at: exp})
	return true
}

// has reports whether key is recorded.
func (c *replayCache) has(key [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[key]
	return ok
}

// len is the number of entries held.
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// expiring is one remembered key and when it may be forgotten.
type expiring struct {
	key [sha256.Size]byte
	at  time.Time
}

// expiryHeap is a min-heap of entries by expiry.
type expiryHeap []expiring

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiring)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
