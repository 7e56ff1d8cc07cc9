package verify

import (
	"crypto/sha256"
	"testing"
	"time"
)

// TestReplayCacheBound fills the cache to its bound: expired entries go
// first, then the entry closest to expiry; never more than the bound.
func TestReplayCacheBound(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newReplayCache(4)
	key := func(i int) [sha256.Size]byte { return sha256.Sum256([]byte{byte(i)}) }
	for i := range 4 {
		if !c.first(key(i), now.Add(time.Duration(10+i)*time.Second), now) {
			t.Fatalf("entry %d refused", i)
		}
	}
	if c.first(key(2), now.Add(time.Minute), now) {
		t.Fatal("a remembered key passed again")
	}
	// Full: the fifth evicts key 0 (closest to expiry), nothing else.
	if !c.first(key(4), now.Add(time.Minute), now) || c.len() != 4 {
		t.Fatalf("len %d", c.len())
	}
	if c.first(key(1), now.Add(time.Minute), now) {
		t.Fatal("key 1 was evicted instead of key 0")
	}
	// 12 s later keys 1 and 2 have expired: both go before any live one.
	later := now.Add(12 * time.Second)
	if !c.first(key(5), later.Add(time.Minute), later) || c.len() != 3 {
		t.Fatalf("after expiry len %d, want 3", c.len())
	}
	for _, i := range []int{3, 4, 5} {
		if c.first(key(i), later.Add(time.Minute), later) {
			t.Fatalf("live key %d was evicted", i)
		}
	}
	for i := 10; i < 100; i++ {
		c.first(key(i), later.Add(time.Hour), later)
		if c.len() > 4 {
			t.Fatalf("len %d over the bound", c.len())
		}
	}
}
