package redisstore_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// unavailable asserts err is a Redis failure, not "no session".
func unavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, redisstore.ErrUnavailable) || errors.Is(err, session.ErrNoSession) {
		t.Errorf("%s: %v, want ErrUnavailable (and not ErrNoSession)", what, err)
	}
}

// Redis stopped (connection refused) mid-run: Load, Save and Login fail with
// ErrUnavailable; the failed Save loses nothing: after the restart (the
// server SAVEs to dump.rdb before stopping and loads it again) the session
// is as it was before that Save.
func TestRedisStopped(t *testing.T) {
	srv := redistest.Start(t)
	m := manager(t, newStore(t, client(t, srv.Addr), redisstore.Config{}))
	cookie := login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", RefreshToken: "rt1"})
	s, err := load(m, cookie)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	_, err = load(m, cookie)
	unavailable(t, "Load with Redis stopped", err)
	s.RefreshToken = "rt2"
	unavailable(t, "Save with Redis stopped", save(m, cookie, s))
	err = m.Login(httptest.NewRecorder(), httptest.NewRequest("GET", "http://127.0.0.1/", nil), &session.Session{Subject: "bob"})
	unavailable(t, "Login with Redis stopped", err)
	srv.Restart()
	s, err = load(m, cookie)
	if err != nil || s.Subject != "alice" || s.RefreshToken != "rt1" {
		t.Fatalf("after the restart: %v %+v", err, s)
	}
	s.RefreshToken = "rt2"
	if err := save(m, cookie, s); err != nil {
		t.Fatal(err)
	}
	if s, err := load(m, cookie); err != nil || s.RefreshToken != "rt2" {
		t.Errorf("Save after the restart: %v", err)
	}
}

// Redis hung (SIGSTOP: connections open, no answers): calls fail with
// ErrUnavailable after Config.Timeout, not later; after SIGCONT the data
// is there.
func TestRedisHung(t *testing.T) {
	srv := redistest.Start(t)
	m := manager(t, newStore(t, client(t, srv.Addr), redisstore.Config{Timeout: 300 * time.Millisecond}))
	cookie := login(t, m, &session.Session{Subject: "alice"})
	srv.Pause()
	start := time.Now()
	_, err := load(m, cookie)
	unavailable(t, "Load with Redis hung", err)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Load with Redis hung took %v, want about Config.Timeout (300 ms)", d)
	}
	unavailable(t, "Save with Redis hung", save(m, cookie, &session.Session{ID: "x", Subject: "mallory"}))
	srv.Resume()
	if s, err := load(m, cookie); err != nil || s.Subject != "alice" {
		t.Errorf("after SIGCONT: %v", err)
	}
}
