package storetest

import (
	"errors"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testRenewal: a login on a request that already has a session (a second
// login, or a cookie planted by an attacker: session fixation) issues a new
// session ID, and for a server-side store a new store ID whose data is
// new: the old cookie no longer loads. (A cookie store cannot revoke a
// copy of a cookie; the Manager's deny list does that at logout.)
func testRenewal(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	store := newStore(t)
	m := newManager(t, store, session.Config{})
	old := login(t, m, jar{}, sample("mallory", 10))
	first, err := m.Load(old.request())
	if err != nil {
		t.Fatal(err)
	}
	var oldStoreID string
	server := serverSide(t, store, old)
	if server {
		gs, _ := store.New(old.request(), name)
		oldStoreID = gs.ID
	}
	j := login(t, m, old, sample("alice", 10))
	second, err := m.Load(j.request())
	if err != nil || second.Subject != "alice" {
		t.Fatalf("Load after the second login: %v", err)
	}
	if second.ID == first.ID {
		t.Errorf("the second login kept the session ID %q", first.ID)
	}
	if !server {
		return
	}
	gs, err := store.New(j.request(), name)
	if err != nil || gs.ID == "" || gs.ID == oldStoreID {
		t.Errorf("the second login kept the store's session ID (%v)", err)
	}
	if s, err := m.Load(old.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("the cookie from before the login still loads (%+v, %v)", s, err)
	}
}
