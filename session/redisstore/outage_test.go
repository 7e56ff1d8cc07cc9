package redisstore_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/internal/redisserver"
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
// ErrUnavailable after Config.Timeout, not later: every command they sent
// ran under a deadline at most Config.Timeout away (the client honours
// context deadlines; its own read timeout is 3 s). After SIGCONT the data
// is there.
func TestRedisHung(t *testing.T) {
	srv := redisserver.Start(t)
	rdb := client(t, srv.Addr)
	w := watchCommands(rdb)
	const timeout = 300 * time.Millisecond
	m := manager(t, newStore(t, rdb, redisstore.Config{Timeout: timeout}))
	cookie := login(t, m, &session.Session{Subject: "alice"})
	srv.Pause()
	sent := len(w.all())
	_, err := load(m, cookie)
	unavailable(t, "Load with Redis hung", err)
	unavailable(t, "Save with Redis hung", save(m, cookie, &session.Session{ID: "x", Subject: "mallory"}))
	hung := w.all()[sent:]
	if len(hung) == 0 {
		t.Fatal("no command reached the client while Redis was hung")
	}
	for _, c := range hung {
		if c.err == nil || c.deadline <= 0 || c.deadline > timeout {
			t.Errorf("%s with Redis hung: error %v under a deadline %v away, want an error and at most %v", c.name, c.err, c.deadline, timeout)
		}
	}
	srv.Resume()
	if s, err := load(m, cookie); err != nil || s.Subject != "alice" {
		t.Errorf("after SIGCONT: %v", err)
	}
}
