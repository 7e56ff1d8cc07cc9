package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Index is implemented by server-side stores that can find sessions by the
// provider's session ID (sid) or by user (iss, sub), as back-channel logout
// needs; redisstore does. It deletes the matching sessions and reports how
// many.
type Index interface {
	// DeleteBySID deletes the sessions of the provider session sid at
	// issuer iss.
	DeleteBySID(ctx context.Context, iss, sid string) (int, error)
	// DeleteBySubject deletes every session of user sub at issuer iss.
	DeleteBySubject(ctx context.Context, iss, sub string) (int, error)
}

// EndSessions ends the sessions a provider's logout names: by sid that one
// session, by sub every session of that user at issuer iss (when both are
// given, sid wins). Stores with an Index delete them; for others (the cookie
// store) the sid or subject is recorded, in this process, so that sessions
// created before now are refused on Load until they would have expired. With
// several replicas and a cookie store, back-channel logout reaches only the
// replica that received it: use a server-side store.
func (m *Manager) EndSessions(ctx context.Context, iss, sid, sub string) (int, error) {
	if sid == "" && sub == "" {
		return 0, errors.New("session: ending sessions needs a sid or a sub")
	}
	if idx, ok := m.store.(Index); ok {
		var n int
		var err error
		if sid != "" {
			n, err = idx.DeleteBySID(ctx, iss, sid)
		} else {
			n, err = idx.DeleteBySubject(ctx, iss, sub)
		}
		if err != nil {
			return 0, fmt.Errorf("session: ending sessions: %w", err)
		}
		return n, nil
	}
	key := "sub\x00" + iss + "\x00" + sub
	if sid != "" {
		key = "sid\x00" + iss + "\x00" + sid
	}
	m.revoked.add(key, m.now(), m.abs)
	return -1, nil
}

// revocations remembers, per process, when a sid or subject was logged out
// by the provider: at most maxRevocations, each as long as a session may
// live; when full, the oldest revocation goes (the one closest to expiry).
// A simplelru.LRU (golang-lru/v2) under the mutex, in order of revocation
// time, with the time in the value: expired entries are dropped from the
// old end on each add.
type revocations struct {
	n  atomic.Int64 // entries, read without the lock on every Load
	mu sync.Mutex
	m  *simplelru.LRU[string, time.Time] // key → when it was revoked
}

const maxRevocations = 100000

func (r *revocations) add(key string, at time.Time, life time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m, _ = simplelru.NewLRU[string, time.Time](maxRevocations, nil)
	}
	for {
		_, t, ok := r.m.GetOldest()
		if !ok || at.Sub(t) <= life {
			break
		}
		r.m.RemoveOldest() // every session it could refuse has expired
	}
	r.m.Add(key, at)
	r.n.Store(int64(r.m.Len()))
}

// at returns when key was revoked, if it is held.
func (r *revocations) at(key string) (time.Time, bool) {
	if r.m == nil {
		return time.Time{}, false
	}
	return r.m.Peek(key)
}

// len is the number of revocations held.
func (r *revocations) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		return 0
	}
	return r.m.Len()
}

// revoked reports whether s was created before a revocation of its sid or
// subject.
func (r *revocations) revoked(s *Session) bool {
	if r.n.Load() == 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range []string{"sid\x00" + s.Issuer + "\x00" + s.SID, "sub\x00" + s.Issuer + "\x00" + s.Subject} {
		if at, ok := r.at(k); ok && !s.Created.After(at) {
			return true
		}
	}
	return false
}
