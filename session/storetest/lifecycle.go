package storetest

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testSaveLoadDelete: a login loads back field for field; a Save changes
// it without changing its ID; Delete ends it, for the browser and for a
// copy of its cookies; no cookie is no session.
func testSaveLoadDelete(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	m := newManager(t, newStore(t), session.Config{})
	if _, err := m.Load(jar{}.request()); err != session.ErrNoSession {
		t.Fatalf("Load without a cookie: %v, want exactly ErrNoSession", err)
	}
	want := sample("alice", 10)
	j := login(t, m, jar{}, want)
	got, err := m.Load(j.request())
	if err != nil {
		t.Fatalf("Load after Login: %v", err)
	}
	if got.ID == "" || got.ID != want.ID || got.Subject != "alice" || got.Issuer != want.Issuer || got.SID != want.SID ||
		got.RefreshToken != want.RefreshToken || got.AccessToken != want.AccessToken || string(got.Claims) != string(want.Claims) ||
		got.Extra["k"] != "v" || !got.Created.Equal(want.Created) || !got.LastSeen.Equal(want.LastSeen) {
		t.Fatalf("Load after Login:\n got %+v\nwant %+v", got, want)
	}

	got.AccessToken = "changed"
	j = save(t, m, j, got)
	again, err := m.Load(j.request())
	if err != nil || again.AccessToken != "changed" || again.ID != got.ID {
		t.Fatalf("Load after Save: %v %+v", err, again)
	}

	other := login(t, m, jar{}, sample("bob", 10))
	stolen := j
	w := httptest.NewRecorder()
	if err := m.Delete(w, j.request()); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	j = j.take(w)
	if _, err := m.Load(j.request()); err != session.ErrNoSession {
		t.Errorf("Load after Delete: %v, want exactly ErrNoSession", err)
	}
	if _, err := m.Load(stolen.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a cookie copied before Delete: %v, want ErrNoSession", err)
	}
	if s, err := m.Load(other.request()); err != nil || s.Subject != "bob" {
		t.Errorf("another session after Delete: %v", err)
	}
	if err := m.Delete(httptest.NewRecorder(), jar{}.request()); err != nil {
		t.Errorf("Delete without a session: %v", err)
	}
}
