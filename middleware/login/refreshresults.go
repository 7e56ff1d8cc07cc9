package login

import (
	"cmp"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/gatehouse-go/gatehouse/session"
)

// maxRefreshResults bounds the finished refreshes one Auth remembers.
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

	expires time.Time // end of the grace; zero while under way (guarded by Auth.mu)
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
// refresh-token hash. A refresh under way is never evicted: a second
// request presenting its refresh token must join it, not send the token to
// the provider again (a rotating provider would take that for theft and
// revoke the grant). Their number is bounded by the refreshes running, each
// bounded by the HTTP client's timeout. The finished ones, kept for their
// grace, are a golang-lru/v2 simplelru.LRU bounded by count (maxRefreshResults):
// they enter it as they finish, so its oldest entry is the one whose grace
// ends first; adding a refresh first drops those past their grace, and when
// full the oldest goes. The grace is checked on read too (shareable), with
// the Auth's clock. Its zero value is empty, with the bound
// maxRefreshResults. Guarded by Auth.mu.
type refreshResults struct {
	running  map[string]*refreshCall
	finished *simplelru.LRU[string, *refreshCall]
	max      int // 0: maxRefreshResults
}

// get returns the refresh of key, under way or finished, if any.
func (t *refreshResults) get(key string) *refreshCall {
	if c := t.running[key]; c != nil {
		return c
	}
	if t.finished == nil {
		return nil
	}
	c, _ := t.finished.Peek(key)
	return c
}

func (t *refreshResults) len() int {
	n := len(t.running)
	if t.finished != nil {
		n += t.finished.Len()
	}
	return n
}

// put adds c, a refresh starting, replacing any entry of its key, after
// dropping the finished refreshes past their grace.
func (t *refreshResults) put(c *refreshCall, now time.Time) {
	if t.running == nil {
		t.running = map[string]*refreshCall{}
	}
	t.remove(t.get(c.key))
	if t.finished != nil {
		for {
			_, old, ok := t.finished.GetOldest()
			if !ok || now.Before(old.expires) {
				break
			}
			t.finished.RemoveOldest()
		}
	}
	t.running[c.key] = c
}

// done moves c, finished and kept for its grace, from the refreshes under
// way to the finished ones, if it is still in the table.
func (t *refreshResults) done(c *refreshCall) {
	if t.running[c.key] != c {
		return
	}
	delete(t.running, c.key)
	if t.finished == nil {
		t.finished, _ = simplelru.NewLRU[string, *refreshCall](cmp.Or(t.max, maxRefreshResults), nil)
	}
	t.finished.Add(c.key, c)
}

// remove drops c, if it is still in the table.
func (t *refreshResults) remove(c *refreshCall) {
	if c == nil {
		return
	}
	if t.running[c.key] == c {
		delete(t.running, c.key)
	} else if t.finished != nil {
		if cur, ok := t.finished.Peek(c.key); ok && cur == c {
			t.finished.Remove(c.key)
		}
	}
}
