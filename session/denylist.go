package session

import (
	"context"
	"sync"
	"time"
)

// DenyList remembers ended session IDs until they would have expired anyway.
type DenyList interface {
	// Deny records id as ended until the given time.
	Deny(ctx context.Context, id string, until time.Time) error
	// Denied reports whether id was ended.
	Denied(ctx context.Context, id string) (bool, error)
}

// NewMemoryDenyList returns an in-process DenyList of at most max entries.
// Expired entries are dropped; when it is full, the entries closest to
// expiry go first. Several replicas need a shared deny list instead.
func NewMemoryDenyList(max int) DenyList {
	if max <= 0 {
		max = 1
	}
	return &memoryDenyList{max: max, m: map[string]time.Time{}}
}

type memoryDenyList struct {
	mu  sync.RWMutex
	max int
	m   map[string]time.Time
}

func (d *memoryDenyList) Deny(_ context.Context, id string, until time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) >= d.max {
		now := time.Now()
		for k, t := range d.m {
			if now.After(t) {
				delete(d.m, k)
			}
		}
		for len(d.m) >= d.max {
			var first string
			var soonest time.Time
			for k, t := range d.m {
				if first == "" || t.Before(soonest) {
					first, soonest = k, t
				}
			}
			delete(d.m, first)
		}
	}
	d.m[id] = until
	return nil
}

func (d *memoryDenyList) Denied(_ context.Context, id string) (bool, error) {
	d.mu.RLock()
	until, ok := d.m[id]
	d.mu.RUnlock()
	return ok && time.Now().Before(until), nil
}
