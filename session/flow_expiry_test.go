package session_test

import (
	"errors"
	"net/http/httptest"
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
		_, err := m.TakeFlow(httptest.NewRecorder(), r, f.State)
		if c.ok && err != nil {
			t.Errorf("taken %v after its start: %v", c.at, err)
		}
		if !c.ok && !errors.Is(err, session.ErrNoFlow) {
			t.Errorf("taken %v after its start: %v, want ErrNoFlow", c.at, err)
		}
	}
}
