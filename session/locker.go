package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Locker is implemented by stores that can hold a lock across replicas
// (redisstore does). The middleware takes one per session while it refreshes
// tokens, so a refresh happens once across all replicas.
type Locker interface {
	// Lock blocks until key is held (or ctx ends) and returns the function
	// that releases it. The lock expires after ttl unless the store extends
	// it while held.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// Lock takes the store's cross-replica lock on s (see Locker; a lease of
// ttl), waiting while another replica holds it, then reads r's session
// again under it, past the per-request cache: cur is the session as saved
// now, which another replica may have changed while this one waited (it
// refreshed the tokens, say). The caller changes cur, saves it, then calls
// unlock. r's context bounds the wait and the read.
//
// With a store that has no Locker (a cookie store: there is no shared
// entry to guard) the error matches errors.ErrUnsupported. A lock the store
// could not take returns its error; a read that fails returns Load's
// errors (ErrNoSession when the session ended meanwhile) with the lock
// already released.
func (m *Manager) Lock(r *http.Request, s *Session, ttl time.Duration) (cur *Session, unlock func(), err error) {
	l, ok := m.store.(Locker)
	if !ok {
		return nil, nil, fmt.Errorf("session: the store has no cross-replica lock: %w", errors.ErrUnsupported)
	}
	// The key the refresh lock has always had: replicas of an earlier
	// version exclude this one during a rolling upgrade.
	unlock, err = l.Lock(r.Context(), "refresh:"+s.ID, ttl)
	if err != nil {
		return nil, nil, fmt.Errorf("session: locking: %w", err)
	}
	gs, err := m.store.New(r, m.name)
	if cur, err = m.check(r, gs, err); err != nil {
		unlock()
		return nil, nil, err
	}
	return cur, unlock, nil
}
