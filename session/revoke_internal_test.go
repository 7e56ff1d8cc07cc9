package session

import (
	"strconv"
	"testing"
	"time"
)

// TestRevocationsBounded: a full record first forgets revocations older than
// a session can live, then the oldest tenth; a recent revocation is never
// the one dropped, and the record stays within its bound.
func TestRevocationsBounded(t *testing.T) {
	var r revocations
	start := time.Unix(1_700_000_000, 0)
	life := 24 * time.Hour
	for i := range maxRevocations {
		r.add(strconv.Itoa(i)+"k", start.Add(time.Duration(i)*time.Millisecond), life)
	}
	if r.len() != maxRevocations {
		t.Fatalf("%d entries before the bound, want %d", r.len(), maxRevocations)
	}
	last := start.Add(time.Duration(maxRevocations) * time.Millisecond)
	r.add("newest", last, life)
	if _, ok := r.at("newest"); !ok {
		t.Fatal("the newest revocation was not kept")
	}
	if _, ok := r.at(strconv.Itoa(maxRevocations-1) + "k"); !ok {
		t.Fatal("a recent revocation was dropped")
	}
	if _, ok := r.at(strconv.Itoa(0) + "k"); ok {
		t.Fatal("the oldest revocation was kept over a recent one")
	}
	if n := r.len(); n > maxRevocations || n < maxRevocations*9/10 {
		t.Fatalf("%d entries after eviction", n)
	}
	// A day later the whole old record has expired: one add clears it.
	for r.len() < maxRevocations {
		r.add(strconv.Itoa(r.len())+"x", last, life)
	}
	r.add("tomorrow", last.Add(life+time.Second), life)
	if r.len() != 1 {
		t.Fatalf("%d entries after everything expired, want 1", r.len())
	}
	if r.n.Load() != 1 {
		t.Fatalf("counter %d, want 1", r.n.Load())
	}
}
