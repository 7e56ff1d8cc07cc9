package session

import (
	"strconv"
	"testing"
	"time"
)

// TestRevocationsAtTheBound: past its bound the record holds exactly
// maxRevocations; the revocations made first are the ones gone, every later
// one still refuses the sessions it names.
func TestRevocationsAtTheBound(t *testing.T) {
	var r revocations
	start := time.Unix(1_700_000_000, 0)
	const extra = 5
	for i := range maxRevocations + extra {
		r.add("sid\x00iss\x00"+strconv.Itoa(i), start.Add(time.Duration(i)*time.Millisecond), time.Hour)
	}
	if n := r.len(); n != maxRevocations || r.n.Load() != maxRevocations {
		t.Fatalf("%d entries (counter %d), want %d", n, r.n.Load(), maxRevocations)
	}
	before := &Session{Issuer: "iss", Created: start.Add(-time.Second)}
	for i, want := range map[int]bool{0: false, extra - 1: false, extra: true, maxRevocations + extra - 1: true} {
		before.SID = strconv.Itoa(i)
		if got := r.revoked(before); got != want {
			t.Errorf("revocation %d: revoked %v, want %v", i, got, want)
		}
	}
}
