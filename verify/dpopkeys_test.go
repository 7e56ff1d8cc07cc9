package verify

import (
	"errors"
	"strconv"
	"testing"
)

// TestHeaderCacheBound: the cache never holds more than its bound, keeps
// only accepted headers, and answers a hit without parsing again.
func TestHeaderCacheBound(t *testing.T) {
	c := newHeaderCache(3)
	parses := 0
	parse := func(seg string) (*proofKey, error) {
		parses++
		if seg == "bad" {
			return nil, errProofHeader
		}
		return &proofKey{alg: seg}, nil
	}
	for i := range 10 {
		if _, err := c.get(strconv.Itoa(i), parse); err != nil {
			t.Fatal(err)
		}
		if c.m.Len() > 3 {
			t.Fatalf("%d entries over the bound 3", c.m.Len())
		}
	}
	if _, err := c.get("bad", parse); !errors.Is(err, ErrDPoPProof) || c.m.Len() != 3 {
		t.Fatalf("refused header: %v, %d entries", err, c.m.Len())
	}
	before := parses
	pk, _ := c.get("9", parse) // the last one put is still there
	if pk.alg != "9" || parses != before {
		t.Fatalf("hit parsed again (%d parses, was %d)", parses, before)
	}
}
