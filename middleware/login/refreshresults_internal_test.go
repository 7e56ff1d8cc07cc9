package login

import (
	"strconv"
	"testing"
	"time"
)

// TestRefreshResultsNeverEvictRunning fills the table past its bound with
// refreshes under way: none is evicted (a request joining one must find it,
// or it would send the same refresh token again). Once they finish, the
// finished ones are held up to the bound, the first finished evicted first,
// and all go once their grace is over.
func TestRefreshResultsNeverEvictRunning(t *testing.T) {
	const bound = 3
	tab := refreshResults{max: bound}
	now := time.Unix(1_800_000_000, 0)
	calls := make([]*refreshCall, bound+2)
	for i := range calls {
		calls[i] = newRefreshCall(strconv.Itoa(i))
		tab.put(calls[i], now)
	}
	for i, c := range calls {
		if tab.get(c.key) != c {
			t.Fatalf("refresh %d under way was evicted", i)
		}
	}
	for i, c := range calls {
		c.expires = now.Add(time.Duration(i) * time.Second).Add(refreshGrace)
		tab.done(c)
	}
	if n := tab.len(); n != bound {
		t.Fatalf("%d finished refreshes kept, bound %d", n, bound)
	}
	for i, c := range calls {
		if kept := tab.get(c.key) == c; kept != (i >= 2) {
			t.Errorf("finished refresh %d kept %v", i, kept)
		}
	}
	// A refresh that starts after the others' grace drops them all.
	next := newRefreshCall("next")
	tab.put(next, now.Add(refreshGrace+time.Minute))
	if n := tab.len(); n != 1 || tab.get("next") != next {
		t.Fatalf("%d kept after the grace, want only the new one", n)
	}
}

// TestRefreshResultsReplaced: a refresh replacing a finished one of the same
// key takes its place; the replaced one finishing later changes nothing.
func TestRefreshResultsReplaced(t *testing.T) {
	var tab refreshResults
	now := time.Unix(1_800_000_000, 0)
	old := newRefreshCall("k")
	tab.put(old, now)
	cur := newRefreshCall("k")
	tab.put(cur, now)
	old.expires = now.Add(refreshGrace)
	tab.done(old)
	if tab.get("k") != cur || tab.len() != 1 {
		t.Fatalf("the replaced refresh came back (len %d)", tab.len())
	}
	tab.remove(old)
	if tab.get("k") != cur {
		t.Fatal("removing the replaced refresh removed its successor")
	}
}
