package session

import (
	"context"
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

// Locker returns the store's Locker, if it has one.
func (m *Manager) Locker() (Locker, bool) {
	l, ok := m.store.(Locker)
	return l, ok
}

// Reload reads the request's session from the store again, past the
// per-request cache: after taking a lock, to see what another replica
// saved meanwhile. Errors are as for Load.
func (m *Manager) Reload(r *http.Request) (*Session, error) {
	gs, err := m.store.New(r, m.name)
	return m.check(r, gs, err)
}
