package session

import (
	"context"
	"testing"
	"time"
)

// TestMemoryDenyListAtTheBound fills the deny list past its bound with
// denials that end in another order than they were made: it holds exactly
// the bound, the denial that ends first goes (not the one made first), and
// an expired denial goes before any live one, wherever it sits.
func TestMemoryDenyListAtTheBound(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	d := newMemoryDenyList(4, func() time.Time { return now })
	for id, left := range map[string]time.Duration{"first": 4 * time.Hour, "second": time.Minute, "third": 3 * time.Hour, "fourth": 2 * time.Hour} {
		d.Deny(ctx, id, now.Add(left))
	}
	d.Deny(ctx, "fifth", now.Add(5*time.Hour))
	if n := len(d.index); n != 4 || len(d.heap) != 4 {
		t.Fatalf("%d entries (heap %d), bound 4", n, len(d.heap))
	}
	for id, want := range map[string]bool{"second": false, "first": true, "third": true, "fourth": true, "fifth": true} {
		if got, _ := d.Denied(ctx, id); got != want {
			t.Errorf("%s: denied %v, want %v", id, got, want)
		}
	}
	now = now.Add(2*time.Hour + time.Second) // "fourth" has expired
	d.Deny(ctx, "sixth", now.Add(time.Hour))
	if got, _ := d.Denied(ctx, "first"); !got || len(d.index) != 4 {
		t.Fatalf("a live denial went before the expired one (%d entries)", len(d.index))
	}
	if _, ok := d.index["fourth"]; ok {
		t.Error("the expired denial is still held")
	}
}
