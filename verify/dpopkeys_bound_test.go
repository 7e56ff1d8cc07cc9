package verify

import (
	"strconv"
	"testing"
)

// TestHeaderCacheEvictsLeastRecentlyUsed fills the header cache past its
// bound: it holds exactly the bound, the header used least recently is the
// one parsed again, and a header in use survives a flood of new ones.
func TestHeaderCacheEvictsLeastRecentlyUsed(t *testing.T) {
	const bound = 4
	c := newHeaderCache(bound)
	parsed := map[string]int{}
	parse := func(seg string) (*proofKey, error) {
		parsed[seg]++
		return &proofKey{alg: seg}, nil
	}
	for i := range bound {
		c.get(strconv.Itoa(i), parse)
	}
	c.get("0", parse) // in use: now the most recent
	c.get("new", parse)
	if n := c.m.Len(); n != bound {
		t.Fatalf("%d entries, want %d", n, bound)
	}
	for _, seg := range []string{"0", "2", "3", "new"} {
		if c.get(seg, parse); parsed[seg] != 1 {
			t.Errorf("header %s parsed %d times, want once (it was evicted)", seg, parsed[seg])
		}
	}
	if c.get("1", parse); parsed["1"] != 2 {
		t.Errorf("header 1, least recently used, was not the one evicted")
	}
	c.get("0", parse)
	in := parsed["0"]
	for i := range 100 {
		c.get("0", parse)
		c.get("flood"+strconv.Itoa(i), parse)
	}
	if c.m.Len() != bound || parsed["0"] != in {
		t.Errorf("after a flood: %d entries, header in use parsed %d times", c.m.Len(), parsed["0"])
	}
}
