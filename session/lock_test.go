package session_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// lockingStore is a cookie store with a lock of its own, held in this
// process (redisstore's is held across replicas): one holder at a time,
// the keys it was asked for recorded.
type lockingStore struct {
	sessions.Store
	held chan struct{}
	mu   sync.Mutex
	keys []string
	err  error // when set, Lock fails with it
}

func newLockingStore(t *testing.T) *lockingStore {
	cs, err := session.NewCookieStore(hashKey, blockKey)
	if err != nil {
		t.Fatal(err)
	}
	return &lockingStore{Store: cs, held: make(chan struct{}, 1)}
}

func (l *lockingStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if l.err != nil {
		return nil, l.err
	}
	select {
	case l.held <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	l.keys = append(l.keys, key)
	l.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { <-l.held }) }, nil
}

// isHeld reports whether the lock is held now.
func (l *lockingStore) isHeld() bool { return len(l.held) == 1 }

// Lock holds the session's lock (key "refresh:" and its ID) and returns
// the session read again, with Load's checks: a session logged out
// meanwhile is ErrNoSession, and its lock is released.
func TestLockChecks(t *testing.T) {
	ls := newLockingStore(t)
	m, err := session.New(session.Config{Store: ls, FlowKeys: [][]byte{hashKey, blockKey}})
	if err != nil {
		t.Fatal(err)
	}
	r := login(t, m, sample(10))
	s, err := m.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	cur, unlock, err := m.Lock(r, s, time.Second)
	if err != nil || cur.Subject != "alice" || cur.ID != s.ID {
		t.Fatalf("Lock: %v %+v", err, cur)
	}
	if !ls.isHeld() || len(ls.keys) != 1 || ls.keys[0] != "refresh:"+s.ID {
		t.Errorf("held %v, keys %q", ls.isHeld(), ls.keys)
	}
	unlock()
	if ls.isHeld() {
		t.Error("held after unlock")
	}

	copied := fresh(r)
	m.Delete(httptest.NewRecorder(), r)
	if _, unlock, err := m.Lock(copied, s, time.Second); !errors.Is(err, session.ErrNoSession) || unlock != nil {
		t.Errorf("Lock of a logged-out session: %v", err)
	}
	if ls.isHeld() {
		t.Error("the lock of a logged-out session is still held")
	}
}

// Lock waits while another request holds the session's lock, until its
// context ends.
func TestLockWaitsForHolder(t *testing.T) {
	ls := newLockingStore(t)
	m, _ := session.New(session.Config{Store: ls, FlowKeys: [][]byte{hashKey, blockKey}})
	r := login(t, m, sample(10))
	s, _ := m.Load(r)
	_, unlock, err := m.Lock(r, s, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := m.Lock(fresh(r).WithContext(ctx), s, time.Second); !errors.Is(err, context.Canceled) || errors.Is(err, session.ErrNoSession) {
		t.Errorf("Lock while held, context ended: %v", err)
	}
	unlock()
	if _, unlock, err := m.Lock(fresh(r), s, time.Second); err != nil {
		t.Errorf("Lock after the holder unlocked: %v", err)
	} else {
		unlock()
	}
}

// A store without a lock (the cookie store) says so with
// errors.ErrUnsupported; a lock the store fails to take is a store
// failure, never "signed out".
func TestLockUnsupportedOrFailing(t *testing.T) {
	m, _ := newManager(t)
	r := login(t, m, sample(10))
	s, _ := m.Load(r)
	if _, unlock, err := m.Lock(r, s, time.Second); !errors.Is(err, errors.ErrUnsupported) || unlock != nil {
		t.Errorf("Lock with a cookie store: %v", err)
	}

	ls := newLockingStore(t)
	ls.err = errDown
	m, _ = session.New(session.Config{Store: ls, FlowKeys: [][]byte{hashKey, blockKey}})
	if _, _, err := m.Lock(r, s, time.Second); !errors.Is(err, errDown) || errors.Is(err, session.ErrNoSession) || errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Lock the store failed to take: %v", err)
	}
}
