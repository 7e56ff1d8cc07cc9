package middleware

import (
	"container/list"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

// maxRefreshResults bounds the refreshes one Auth remembers.
const maxRefreshResults = 10000

// refreshCall is one refresh, shared by every request holding the refresh
// token it started from.
type refreshCall struct {
	key   string        // hash of the refresh token it started from
	done  chan struct{} // closed once s or err is set
	saved chan struct{} // closed once the store holds s, or saving is over (saveErr)

	// Set before done is closed, read-only after.
	s   *session.Session
	err error
	// Set before saved is closed, read-only after.
	saveErr error

	expires time.Time     // end of the grace; zero while under way (guarded by Auth.mu)
	elem    *list.Element // its place in refreshResults (guarded by Auth.mu)
}

func newRefreshCall(key string) *refreshCall {
	return &refreshCall{key: key, done: make(chan struct{}), saved: make(chan struct{})}
}

// finished reports whether c's result is known.
func (c *refreshCall) finished() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// refreshResults is the table of refreshes under way or recently done, by
// refresh-token hash, bounded by count: adding to a full table first drops
// the finished entries past their grace, then the oldest ones (a refresh
// under way that is dropped still finishes for the requests waiting on it).
// Its zero value is empty, with the bound maxRefreshResults. Guarded by
// Auth.mu.
type refreshResults struct {
	m     map[string]*refreshCall
	order list.List // of *refreshCall, oldest first
	max   int       // 0: maxRefreshResults
}

func (t *refreshResults) get(key string) *refreshCall { return t.m[key] }

func (t *refreshResults) len() int { return len(t.m) }

// put adds c (replacing any entry of its key) once there is room.
func (t *refreshResults) put(c *refreshCall, now time.Time) {
	if t.m == nil {
		t.m = map[string]*refreshCall{}
	}
	t.remove(t.m[c.key])
	for e := t.order.Front(); e != nil; e = t.order.Front() {
		if old := e.Value.(*refreshCall); old.expires.IsZero() || now.Before(old.expires) {
			break
		}
		t.remove(e.Value.(*refreshCall))
	}
	limit := t.max
	if limit <= 0 {
		limit = maxRefreshResults
	}
	for len(t.m) >= limit {
		t.remove(t.order.Front().Value.(*refreshCall))
	}
	c.elem = t.order.PushBack(c)
	t.m[c.key] = c
}

// remove drops c, if it is still in the table.
func (t *refreshResults) remove(c *refreshCall) {
	if c == nil || c.elem == nil {
		return
	}
	t.order.Remove(c.elem)
	c.elem = nil
	if t.m[c.key] == c {
		delete(t.m, c.key)
	}
}
