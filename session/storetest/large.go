package storetest

import (
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testLarge: a 6 KB session (tokens and claims of a provider with group
// claims, past one cookie's 4 KB) loads back whole, and saves again.
func testLarge(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	m := newManager(t, newStore(t), session.Config{})
	want := sample("alice", 3000)
	want.IDToken = strings.Repeat("i", 2000)
	want.Claims = []byte(`{"sub":"alice","groups":["` + strings.Repeat("g", 1000) + `"]}`)
	j := login(t, m, jar{}, want)
	got, err := m.Load(j.request())
	if err != nil || got.AccessToken != want.AccessToken || got.IDToken != want.IDToken || string(got.Claims) != string(want.Claims) {
		t.Fatalf("6 KB session: %v", err)
	}
	got.RefreshToken = "rotated"
	j = save(t, m, j, got)
	if s, err := m.Load(j.request()); err != nil || s.RefreshToken != "rotated" || len(s.AccessToken) != 3000 {
		t.Fatalf("6 KB session saved again: %v", err)
	}
}
