// Package storetest is one conformance suite for gorilla session stores used
// with Gatehouse: every store (session.CookieStore, redisstore, or yours)
// must pass it.
package storetest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// Run runs the suite. newStore returns a fresh store for each subtest.
// flowKeys are passed as session.Config.FlowKeys for stores that are not a
// *session.CookieStore.
func Run(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	t.Run("SaveLoadDelete", func(t *testing.T) { saveLoadDelete(t, newManager(t, newStore(t), nil)) })
	t.Run("Expiry", func(t *testing.T) { expiry(t, newStore) })
	t.Run("Tamper", func(t *testing.T) { tamper(t, newManager(t, newStore(t), nil)) })
	t.Run("Renewal", func(t *testing.T) { renewal(t, newManager(t, newStore(t), nil)) })
	t.Run("Large", func(t *testing.T) { large(t, newManager(t, newStore(t), nil)) })
	t.Run("Concurrency", func(t *testing.T) { concurrency(t, newManager(t, newStore(t), nil)) })
}

var flowKeys = [][]byte{[]byte(strings.Repeat("f", 32)), []byte(strings.Repeat("g", 32))}

func newManager(t *testing.T, store sessions.Store, now func() time.Time) *session.Manager {
	t.Helper()
	c := session.Config{Store: store, Now: now}
	if _, ok := store.(*session.CookieStore); !ok {
		c.FlowKeys = flowKeys
	}
	m, err := session.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const origin = "http://127.0.0.1"

// jar carries cookies between requests like a browser.
type jar map[string]string

func (j jar) request() *http.Request {
	r := httptest.NewRequest("GET", origin+"/", nil)
	for k, v := range j {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	return r
}

func (j jar) take(w *httptest.ResponseRecorder) jar {
	n := jar{}
	for k, v := range j {
		n[k] = v
	}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(n, c.Name)
		} else {
			n[c.Name] = c.Value
		}
	}
	return n
}

func sample(sub string, size int) *session.Session {
	return &session.Session{Issuer: "https://op.example", Subject: sub, SID: "sid-" + sub,
		AccessToken: strings.Repeat("a", size), RefreshToken: "rt-" + sub, Claims: []byte(`{"sub":"` + sub + `"}`)}
}

func login(t *testing.T, m *session.Manager, j jar, s *session.Session) jar {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Login(w, j.request(), s); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return j.take(w)
}

func saveLoadDelete(t *testing.T, m *session.Manager) {
	j := login(t, m, jar{}, sample("alice", 10))
	s, err := m.Load(j.request())
	if err != nil || s.Subject != "alice" || s.RefreshToken != "rt-alice" {
		t.Fatalf("Load after Login: %v %+v", err, s)
	}
	s.AccessToken = "changed"
	w := httptest.NewRecorder()
	if err := m.Save(w, j.request(), s); err != nil {
		t.Fatal(err)
	}
	j = j.take(w)
	if s, err := m.Load(j.request()); err != nil || s.AccessToken != "changed" {
		t.Fatalf("Load after Save: %v", err)
	}
	stolen := j
	w = httptest.NewRecorder()
	if err := m.Delete(w, j.request()); err != nil {
		t.Fatal(err)
	}
	j = j.take(w)
	if _, err := m.Load(j.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("Load after Delete: %v", err)
	}
	if _, err := m.Load(stolen.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a cookie copied before Delete: %v", err)
	}
	if _, err := m.Load(jar{}.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("no cookie: %v", err)
	}
}

func expiry(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	now := time.Now()
	store := newStore(t)
	c := session.Config{Store: store, Now: func() time.Time { return now }, IdleTimeout: time.Hour, AbsoluteTimeout: 2 * time.Hour}
	if _, ok := store.(*session.CookieStore); !ok {
		c.FlowKeys = flowKeys
	}
	m, err := session.New(c)
	if err != nil {
		t.Fatal(err)
	}
	j := login(t, m, jar{}, sample("alice", 10))
	now = now.Add(61 * time.Minute)
	if _, err := m.Load(j.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("idle past the timeout: %v", err)
	}
}

func tamper(t *testing.T, m *session.Manager) {
	j := login(t, m, jar{}, sample("alice", 10))
	for name, v := range j {
		bad := jar{}
		for k, vv := range j {
			bad[k] = vv
		}
		mid := len(v) / 2
		flip := "A"
		if v[mid] == 'A' {
			flip = "B"
		}
		bad[name] = v[:mid] + flip + v[mid+1:]
		if _, err := m.Load(bad.request()); !errors.Is(err, session.ErrNoSession) {
			t.Errorf("tampered %s: %v, want ErrNoSession", name, err)
		}
	}
	if _, err := m.Load(jar{"gatehouse": "garbage"}.request()); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("garbage cookie: %v", err)
	}
}

func renewal(t *testing.T, m *session.Manager) {
	j := login(t, m, jar{}, sample("alice", 10))
	first, _ := m.Load(j.request())
	old := j
	j = login(t, m, j, sample("alice", 10))
	second, err := m.Load(j.request())
	if err != nil || second.ID == first.ID {
		t.Fatalf("a second login kept the session ID: %v", err)
	}
	if s, err := m.Load(old.request()); err == nil && s.ID == first.ID && storeHasIDs(old) {
		t.Errorf("the old session still loads after renewal")
	}
}

// storeHasIDs: for server-side stores the old cookie must be dead after a
// renewal; a cookie store cannot kill a copy except through the deny list.
func storeHasIDs(j jar) bool {
	for _, v := range j {
		if len(v) > 400 {
			return false
		}
	}
	return true
}

func large(t *testing.T, m *session.Manager) {
	j := login(t, m, jar{}, sample("alice", 6000))
	s, err := m.Load(j.request())
	if err != nil || len(s.AccessToken) != 6000 {
		t.Fatalf("6 KB session: %v", err)
	}
}

func concurrency(t *testing.T, m *session.Manager) {
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := fmt.Sprint("user", i)
			w := httptest.NewRecorder()
			if err := m.Login(w, jar{}.request(), sample(sub, 100)); err != nil {
				errs <- err
				return
			}
			j := jar{}.take(w)
			for range 5 {
				s, err := m.Load(j.request())
				if err != nil || s.Subject != sub {
					errs <- fmt.Errorf("%s loaded %v: %v", sub, s, err)
					return
				}
				s.Extra = map[string]string{"n": sub}
				w := httptest.NewRecorder()
				if err := m.Save(w, j.request(), s); err != nil {
					errs <- err
					return
				}
				j = j.take(w)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
