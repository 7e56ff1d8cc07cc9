package storetest

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testLock: with a store that implements session.Locker, Manager.Lock
// returns the session as saved now, past the per-request cache: a request
// that loaded it, then locked while another replica saved a change, reads
// the change. A session logged out meanwhile is ErrNoSession, its lock
// released. A store without a Locker reports errors.ErrUnsupported.
func testLock(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	store := newStore(t)
	m := newManager(t, store, session.Config{})
	j := login(t, m, jar{}, sample("alice", 10))
	r := j.request()
	s, err := m.Load(r)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, ok := store.(session.Locker); !ok {
		if _, unlock, err := m.Lock(r, s, time.Second); !errors.Is(err, errors.ErrUnsupported) || unlock != nil {
			t.Errorf("Lock with a store without a Locker: %v, want errors.ErrUnsupported", err)
		}
		return
	}
	// Only a lock that is never released makes the test wait, until this.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	elsewhere, err := m.Load(j.request())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	elsewhere.AccessToken = "saved by another replica"
	j = save(t, m, j, elsewhere)
	cur, unlock, err := m.Lock(r.WithContext(ctx), s, time.Minute)
	if err != nil || cur.AccessToken != "saved by another replica" || cur.ID != s.ID {
		t.Fatalf("Lock: %v %+v", err, cur)
	}
	unlock()

	if err := m.Delete(httptest.NewRecorder(), j.request()); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, unlock, err := m.Lock(j.request().WithContext(ctx), s, time.Minute); !errors.Is(err, session.ErrNoSession) || unlock != nil {
		t.Errorf("Lock of a session logged out meanwhile: %v, want ErrNoSession", err)
	}
	if _, unlock, err := m.Lock(j.request().WithContext(ctx), s, time.Minute); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("Lock again (was the lock released?): %v, want ErrNoSession", err)
	} else if unlock != nil {
		unlock()
	}
}
