package storetest

import (
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testTamper: an altered, truncated, emptied or made-up cookie is no
// session: exactly ErrNoSession (nothing about why leaks into the error),
// and the request can still log in, save and log out.
func testTamper(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	m := newManager(t, newStore(t), session.Config{})
	j := login(t, m, jar{}, sample("alice", 10))
	cases := map[string]jar{"garbage": {name: {value: "garbage"}}, "__Host-garbage": {"__Host-" + name: {value: "garbage"}}}
	for name, e := range j {
		v := e.value
		mid := len(v) / 2
		flip := "A"
		if v[mid] == 'A' {
			flip = "B"
		}
		for what, bad := range map[string]string{
			"flipped":   v[:mid] + flip + v[mid+1:],
			"truncated": v[:len(v)-4],
			"extended":  v + "AAAA",
			"emptied":   "",
			"swapped":   strings.Repeat("x", len(v)),
		} {
			tj := maps.Clone(j)
			tj[name] = entry{value: bad}
			cases[what+" "+name] = tj
		}
	}
	for what, bad := range cases {
		s, err := m.Load(bad.request())
		if err != session.ErrNoSession {
			t.Errorf("%s: Load = %v, %v; want exactly ErrNoSession", what, s, err)
			continue
		}
		// The store must still serve the request: a login on it works,
		// and a logout of nothing too.
		w := httptest.NewRecorder()
		if err := m.Login(w, bad.request(), sample("mallory", 10)); err != nil {
			t.Errorf("%s: Login on the tampered request: %v", what, err)
			continue
		}
		if s, err := m.Load(bad.take(w).request()); err != nil || s.Subject != "mallory" {
			t.Errorf("%s: Load after Login on the tampered request: %v", what, err)
		}
		if err := m.Delete(httptest.NewRecorder(), bad.request()); err != nil {
			t.Errorf("%s: Delete on the tampered request: %v", what, err)
		}
	}
	if s, err := m.Load(j.request()); err != nil || s.Subject != "alice" {
		t.Errorf("the untampered session after all that: %v", err)
	}
}
