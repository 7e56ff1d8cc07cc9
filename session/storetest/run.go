package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// Run runs the suite as subtests of t. newStore returns a store for one
// subtest; a fresh store each time keeps subtests apart (for a shared
// backend, a fresh key prefix is enough). Sessions are saved through
// session.Manager; stores that are not a *session.CookieStore get FlowKeys
// from the suite. The subtests take about two seconds: one waits out a
// one-second session lifetime in real time.
func Run(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, newStore func(t *testing.T) sessions.Store)
	}{
		{"SaveLoadDelete", testSaveLoadDelete},
		{"IdleTimeout", testIdleTimeout},
		{"AbsoluteTimeout", testAbsoluteTimeout},
		{"StoreMaxAge", testStoreMaxAge},
		{"Tamper", testTamper},
		{"RenewalAtLogin", testRenewal},
		{"Large", testLarge},
		{"Concurrency", testConcurrency},
		{"Lock", testLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore) })
	}
}

// flowKeys are the login-flow keys of Managers over stores other than the
// cookie store.
var flowKeys = [][]byte{[]byte(strings.Repeat("f", 32)), []byte(strings.Repeat("g", 32))}

// name is the session name of the suite's Managers.
const name = "gatehouse"

// newManager returns a Manager over store; c.Store, c.Name and c.FlowKeys
// are set here.
func newManager(t *testing.T, store sessions.Store, c session.Config) *session.Manager {
	t.Helper()
	c.Store, c.Name = store, name
	if _, ok := store.(*session.CookieStore); !ok {
		c.FlowKeys = flowKeys
	}
	m, err := session.New(c)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return m
}

// clock is a settable Config.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Now()} }

// sample is a signed-in user's session with an access token of size bytes.
func sample(sub string, size int) *session.Session {
	return &session.Session{Issuer: "https://op.example", Subject: sub, SID: "sid-" + sub, Provider: "op",
		AccessToken: strings.Repeat("a", size), RefreshToken: "rt-" + sub, TokenType: "Bearer",
		Claims: []byte(`{"sub":"` + sub + `"}`), Extra: map[string]string{"k": "v"}}
}
