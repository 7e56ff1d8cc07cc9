package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

// TestAttackFlowUsedAfterTenMinutes: a login flow is taken up to exactly
// ten minutes after it started and refused a nanosecond later; a flow that
// claims to start more than a minute in the future (a clock moved back) is
// refused too.
func TestAttackFlowUsedAfterTenMinutes(t *testing.T) {
	start := time.Now()
	now := start
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	f, r := startFlow(t, m, nil)
	for _, c := range []struct {
		at time.Duration
		ok bool
	}{
		{10 * time.Minute, true},
		{10*time.Minute + time.Nanosecond, false},
		{-time.Minute, true},
		{-time.Minute - time.Nanosecond, false},
	} {
		now = start.Add(c.at)
		_, err := m.TakeFlow(httptest.NewRecorder(), r, f.state)
		if c.ok && err != nil {
			t.Errorf("taken %v after its start: %v", c.at, err)
		}
		if !c.ok && !errors.Is(err, session.ErrNoFlow) {
			t.Errorf("taken %v after its start: %v, want ErrNoFlow", c.at, err)
		}
	}
}

// TestAttackFlowsCrowdOutOtherCookies: starting logins until the bound of
// pending flows is reached deletes old flow cookies only, never the
// session's or the application's own cookies (a page that starts logins
// in a loop must not sign the user out).
func TestAttackFlowsCrowdOutOtherCookies(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	r := httptest.NewRequest("GET", "http://127.0.0.1/login", nil)
	r.AddCookie(&http.Cookie{Name: "app", Value: "1"})
	r.AddCookie(&http.Cookie{Name: "__Host-gatehouse", Value: "x"})
	for range 8 {
		w := httptest.NewRecorder()
		if _, err := m.SaveFlow(w, r, flowData("/back", "op"), false); err != nil {
			t.Fatal(err)
		}
		for _, c := range w.Result().Cookies() {
			if c.MaxAge < 0 && !strings.Contains(c.Name, "_flow_") {
				t.Fatalf("a new flow deleted cookie %q", c.Name)
			}
		}
		r = carry(w, r, "http://127.0.0.1/login")
		now = now.Add(time.Millisecond)
	}
}
