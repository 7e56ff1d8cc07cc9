package session_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
)

// FuzzChunkedCookieDecode sends arbitrary session cookies (first chunk, a
// second chunk) to Load: never a panic, never an error other than
// ErrNoSession, and a session only when the cookies are one this test's keys
// really minted (each fuzzing process mints its own, so the check is on
// content: every genuine session here is alice's).
func FuzzChunkedCookieDecode(f *testing.F) {
	m, _ := newManager(f)
	r := login(f, m, sample(5000))
	cs := r.Cookies()
	f.Add(cs[0].Value, cs[1].Value)
	f.Add("1.", "")
	f.Add("2.abc", "def")
	f.Add("999999999999999999999.x", "")
	f.Add("-1.x", "y")
	f.Fuzz(func(t *testing.T, first, second string) {
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		r.Header.Set("Cookie", "gatehouse="+first+"; gatehouse_1="+second)
		s, err := m.Load(r)
		if err == nil && (s.Subject != "alice" || len(s.AccessToken) != 5000) {
			t.Fatalf("a forged session from fuzzed cookies: %+v", s)
		}
		if err != nil && !errors.Is(err, session.ErrNoSession) {
			t.Fatalf("error %v, want ErrNoSession", err)
		}
	})
}

// FuzzFlowCookie sends arbitrary flow cookies and states to TakeFlow.
func FuzzFlowCookie(f *testing.F) {
	m, _ := newManager(f)
	fl, r := startFlow(f, m, nil)
	f.Add(r.Cookies()[0].Name, r.Cookies()[0].Value, fl.state)
	f.Add("gatehouse_flow_x", "garbage", "state")
	f.Fuzz(func(t *testing.T, name, value, state string) {
		r := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
		r.Header.Set("Cookie", name+"="+value)
		got, err := m.TakeFlow(httptest.NewRecorder(), r, state)
		// fl is this process's flow: a fuzz worker runs the seeds the
		// coordinator made, whose flow has another state. So an accepted
		// flow must be fl's data when it is fl's state, and the same
		// cookie must never open for any other state.
		if err == nil && state == fl.state && !bytes.Equal(got, fl.data) {
			t.Fatalf("state %q gave another flow's data: %s", state, got)
		}
		if err == nil {
			other := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
			other.Header.Set("Cookie", name+"="+value)
			if _, err := m.TakeFlow(httptest.NewRecorder(), other, state+"x"); err == nil {
				t.Fatalf("the flow cookie of state %q also opened for state %q", state, state+"x")
			}
		}
		if err != nil && !errors.Is(err, session.ErrNoFlow) {
			t.Fatalf("error %v, want ErrNoFlow", err)
		}
	})
}
