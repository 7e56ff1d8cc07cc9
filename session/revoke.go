package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Index is implemented by server-side stores that can find sessions by the
// provider's session ID (sid) or by user (iss, sub), as back-channel logout
// needs; redisstore does. It deletes the matching sessions and reports how
// many.
type Index interface {
	DeleteBySID(ctx context.Context, iss, sid string) (int, error)
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
// by the provider. Bounded; entries live as long as a session may.
type revocations struct {
	n  atomic.Int64 // entries, read without the lock on every Load
	mu sync.Mutex
	m  map[string]time.Time
}

const maxRevocations = 100000

func (r *revocations) add(key string, at time.Time, life time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	if len(r.m) >= maxRevocations {
		for k, t := range r.m {
			if at.Sub(t) > life {
				delete(r.m, k) // every session it could refuse has expired
			}
		}
	}
	if len(r.m) >= maxRevocations {
		// Still full of live revocations: drop the oldest tenth, the ones
		// closest to expiring anyway, never a recent one.
		times := make([]time.Time, 0, len(r.m))
		for _, t := range r.m {
			times = append(times, t)
		}
		slices.SortFunc(times, time.Time.Compare)
		cut := times[len(times)/10]
		for k, t := range r.m {
			if t.Before(cut) {
				delete(r.m, k)
			}
		}
		if len(r.m) >= maxRevocations { // all as old as each other
			for k := range r.m {
				delete(r.m, k)
				break
			}
		}
	}
	r.m[key] = at
	r.n.Store(int64(len(r.m)))
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
		if at, ok := r.m[k]; ok && !s.Created.After(at) {
			return true
		}
	}
	return false
}
