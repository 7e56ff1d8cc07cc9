package login

import (
	"strconv"
	"testing"
	"time"
)

// TestJTICacheBound fills the logout-token ID record past its bound: it
// never holds more, the ID seen longest ago is the one that goes, and every
// other is still refused as a replay.
func TestJTICacheBound(t *testing.T) {
	const bound = 100
	c := jtiCache{max: bound}
	now := time.Unix(1_800_000_000, 0)
	for i := range bound {
		if !c.first(strconv.Itoa(i), now.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("jti %d refused on first sight", i)
		}
	}
	later := now.Add(bound * time.Second)
	if c.first("50", later) {
		t.Fatal("a remembered jti passed again")
	}
	if !c.first("new", later) || c.len() != bound {
		t.Fatalf("full: len %d, want %d", c.len(), bound)
	}
	for i := 1; i < bound; i++ {
		if c.first(strconv.Itoa(i), later) {
			t.Fatalf("jti %d was evicted instead of jti 0", i)
		}
	}
	if !c.first("0", later) {
		t.Fatal("jti 0, seen first, was not the one evicted")
	}
	if c.len() != bound {
		t.Fatalf("len %d, want %d", c.len(), bound)
	}
}

// TestJTICacheDefaultBound: the zero value holds maxSeenJTIs IDs, not one
// more.
func TestJTICacheDefaultBound(t *testing.T) {
	var c jtiCache
	now := time.Unix(1_800_000_000, 0)
	for i := range maxSeenJTIs + 10 {
		c.first(strconv.Itoa(i), now)
	}
	if c.len() != maxSeenJTIs {
		t.Fatalf("len %d, want %d", c.len(), maxSeenJTIs)
	}
	if c.first(strconv.Itoa(maxSeenJTIs+9), now) {
		t.Fatal("the newest jti was evicted")
	}
}

// TestJTICacheTTL: a jti is refused for jtiTTL after its first sight, on
// the injected clock, and forgotten after; forget drops it at once.
func TestJTICacheTTL(t *testing.T) {
	var c jtiCache
	now := time.Unix(1_800_000_000, 0)
	c.first("a", now)
	if c.first("a", now.Add(jtiTTL-time.Second)) {
		t.Fatal("a jti passed again within its TTL")
	}
	if !c.first("a", now.Add(jtiTTL)) {
		t.Fatal("a jti was still refused after its TTL")
	}
	c.forget("a")
	if !c.first("a", now.Add(jtiTTL)) {
		t.Fatal("a forgotten jti was refused")
	}
}
