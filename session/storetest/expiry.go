package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testIdleTimeout: unused past Config.IdleTimeout, a session is gone;
// saved (touched) in time, it lives on.
func testIdleTimeout(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	c := newClock()
	m := newManager(t, newStore(t), session.Config{Now: c.now, IdleTimeout: time.Hour, AbsoluteTimeout: 10 * time.Hour})
	j := login(t, m, jar{}, sample("alice", 10))
	c.add(50 * time.Minute)
	s, err := m.Load(j.request())
	if err != nil {
		t.Fatalf("Load within the idle timeout: %v", err)
	}
	if !m.Touch(s) {
		t.Fatal("Touch after 50 minutes: nothing to save")
	}
	j = save(t, m, j, s)
	c.add(50 * time.Minute)
	if _, err := m.Load(j.request()); err != nil {
		t.Fatalf("Load 50 minutes after a touch: %v", err)
	}
	c.add(11 * time.Minute)
	if _, err := m.Load(j.request()); err != session.ErrNoSession {
		t.Errorf("Load idle past the timeout: %v, want exactly ErrNoSession", err)
	}
}

// testAbsoluteTimeout: however often used, a session ends
// Config.AbsoluteTimeout after login.
func testAbsoluteTimeout(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	c := newClock()
	m := newManager(t, newStore(t), session.Config{Now: c.now, IdleTimeout: time.Hour, AbsoluteTimeout: 2 * time.Hour})
	j := login(t, m, jar{}, sample("alice", 10))
	for range 3 {
		c.add(40 * time.Minute)
		s, err := m.Load(j.request())
		if err != nil {
			t.Fatalf("Load within the absolute timeout: %v", err)
		}
		m.Touch(s)
		j = save(t, m, j, s)
	}
	c.add(time.Minute) // 2 h 1 min after login, 41 min after the last use
	if _, err := m.Load(j.request()); err != session.ErrNoSession {
		t.Errorf("Load past the absolute timeout: %v, want exactly ErrNoSession", err)
	}
}

// testStoreMaxAge: the store itself ends a session after its Options.MaxAge
// (which the Manager sets to what is left of the absolute timeout, here one
// second), in real time, even where the Manager's clock says it is fresh:
// the browser drops the cookie, and a server-side store its data, so a
// replayed copy of the cookie finds nothing either.
func testStoreMaxAge(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	c := newClock() // frozen: the Manager never sees the session expire
	store := newStore(t)
	m := newManager(t, store, session.Config{Now: c.now, AbsoluteTimeout: time.Second})
	j := login(t, m, jar{}, sample("alice", 10))
	if _, err := m.Load(j.request()); err != nil {
		t.Fatalf("Load right after Login: %v", err)
	}
	for name, e := range j {
		if e.expires.IsZero() || time.Until(e.expires) > 2*time.Second {
			t.Errorf("cookie %s expires %v, want in one second (Max-Age = what is left of the session)", name, e.expires)
		}
	}
	server := serverSide(t, store, j)
	time.Sleep(1200 * time.Millisecond)
	if _, err := m.Load(j.request()); err != session.ErrNoSession {
		t.Errorf("Load after the store's MaxAge: %v, want exactly ErrNoSession", err)
	}
	if !server {
		return
	}
	if _, err := m.Load(j.ignoringExpiry()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a replayed cookie after the store's MaxAge: %v, want ErrNoSession (the server-side data must expire)", err)
	}
}
