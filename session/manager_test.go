package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

func TestLifetimes(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, err := session.New(session.Config{Store: store, IdleTimeout: time.Hour, AbsoluteTimeout: 3 * time.Hour,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := login(t, m, sample(10))
	now = now.Add(59 * time.Minute)
	s, err := m.Load(r)
	if err != nil {
		t.Fatalf("59 min idle: %v", err)
	}
	if !m.Touch(s) {
		t.Fatal("Touch after 59 minutes wants no save")
	}
	w := httptest.NewRecorder()
	m.Save(w, r, s)
	r = carry(w, r, "http://127.0.0.1/")
	now = now.Add(59 * time.Minute)
	if _, err := m.Load(r); err != nil {
		t.Fatalf("touched session after another 59 min: %v", err)
	}
	now = now.Add(61 * time.Minute)
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("idle 61 min: %v, want ErrNoSession", err)
	}
	// Absolute: used every 30 minutes, still ends after 3 hours.
	now = time.Now()
	r = login(t, m, sample(10))
	for range 5 {
		now = now.Add(30 * time.Minute)
		s, err := m.Load(r)
		if err != nil {
			t.Fatal(err)
		}
		m.Touch(s)
		w := httptest.NewRecorder()
		m.Save(w, r, s)
		r = carry(w, r, "http://127.0.0.1/")
	}
	now = now.Add(31 * time.Minute)
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("3 h 01 after login: %v, want ErrNoSession", err)
	}
}

func TestTouchGranularity(t *testing.T) {
	m, _ := newManager(t)
	s := &session.Session{LastSeen: time.Now()}
	if m.Touch(s) {
		t.Error("a session seen just now wants a save")
	}
	s.LastSeen = time.Now().Add(-2 * time.Minute)
	if !m.Touch(s) {
		t.Error("a session seen 2 minutes ago wants no save")
	}
}

func TestLoginNewIDEachTime(t *testing.T) {
	m, _ := newManager(t)
	seen := map[string]bool{}
	for range 20 {
		s := sample(10)
		s.ID = "attacker-chosen"
		r := login(t, m, s)
		got, err := m.Load(r)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == "attacker-chosen" || seen[got.ID] || len(got.ID) < 22 {
			t.Fatalf("session ID %q not fresh", got.ID)
		}
		seen[got.ID] = true
	}
}

func TestDeleteDenyListsCopies(t *testing.T) {
	m, _ := newManager(t)
	r := login(t, m, sample(10))
	stolen := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	for _, c := range r.Cookies() {
		stolen.AddCookie(c)
	}
	w := httptest.NewRecorder()
	if err := m.Delete(w, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge >= 0 {
			t.Errorf("Delete left cookie %s", c.Name)
		}
	}
	if _, err := m.Load(stolen); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a copy of the cookie after logout: %v, want ErrNoSession", err)
	}
}

func TestMemoryDenyList(t *testing.T) {
	ctx := context.Background()
	d := session.NewMemoryDenyList(3)
	now := time.Now()
	d.Deny(ctx, "soon", now.Add(time.Minute))
	d.Deny(ctx, "later", now.Add(time.Hour))
	d.Deny(ctx, "past", now.Add(-time.Second))
	d.Deny(ctx, "new", now.Add(2*time.Hour))
	for id, want := range map[string]bool{"soon": true, "later": true, "new": true, "past": false} {
		if got, _ := d.Denied(ctx, id); got != want {
			t.Errorf("%s: denied %v, want %v", id, got, want)
		}
	}
	d.Deny(ctx, "fifth", now.Add(3*time.Hour))
	if got, _ := d.Denied(ctx, "soon"); got {
		t.Error("when full, the entry closest to expiry must go first")
	}
	for i := range 100 {
		d.Deny(ctx, fmt.Sprint(i), now.Add(time.Hour))
	}
	n := 0
	for i := range 100 {
		if ok, _ := d.Denied(ctx, fmt.Sprint(i)); ok {
			n++
		}
	}
	if n > 3 {
		t.Errorf("%d entries kept, bound 3", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := session.New(session.Config{}); err == nil {
		t.Error("no store: accepted")
	}
	store, _ := session.NewCookieStore(hashKey, blockKey)
	for _, name := range []string{"a b", "a;b", "a=b", "__Host-x", "__secure-x", strings.Repeat("n", 257)} {
		if _, err := session.New(session.Config{Store: store, Name: name}); err == nil {
			t.Errorf("Name %q: accepted", name)
		}
	}
	if _, err := session.New(session.Config{Store: store, Name: "app.session_2-x"}); err != nil {
		t.Error(err)
	}
	gorilla := sessions.NewCookieStore(hashKey, blockKey)
	if _, err := session.New(session.Config{Store: gorilla}); err == nil {
		t.Error("a non-CookieStore without FlowKeys: accepted")
	}
	if _, err := session.New(session.Config{Store: gorilla, FlowKeys: [][]byte{hashKey}}); err == nil {
		t.Error("unpaired FlowKeys: accepted")
	}
}

// The documented defaults: idle 8 hours, absolute 24 hours.
func TestDefaultLifetimes(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	r := login(t, m, sample(10))
	now = now.Add(7*time.Hour + 59*time.Minute)
	s, err := m.Load(r)
	if err != nil {
		t.Fatalf("7 h 59 idle: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("8 h 01 idle: %v", err)
	}
	// Kept busy, the session still ends 24 hours after login.
	s.LastSeen = now
	w := httptest.NewRecorder()
	m.Save(w, r, s)
	r = carry(w, r, "http://127.0.0.1/")
	for now.Sub(s.Created) < 24*time.Hour-time.Hour {
		now = now.Add(time.Hour)
		s2, err := m.Load(r)
		if err != nil {
			t.Fatalf("%v after login, kept busy: %v", now.Sub(s.Created), err)
		}
		s2.LastSeen = now
		w := httptest.NewRecorder()
		m.Save(w, r, s2)
		r = carry(w, r, "http://127.0.0.1/")
	}
	now = s.Created.Add(24*time.Hour + time.Minute)
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("24 h 01 after login: %v", err)
	}
}

// A second login in the same browser refuses the cookie of the first, even
// with the cookie store (whose old cookie a thief could have copied).
func TestLoginDenyListsReplacedSession(t *testing.T) {
	m, _ := newManager(t)
	first := login(t, m, sample(10))
	copied := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	for _, c := range first.Cookies() {
		copied.AddCookie(c)
	}
	w := httptest.NewRecorder()
	if err := m.Login(w, first, sample(10)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(carry(w, first, "http://127.0.0.1/")); err != nil {
		t.Fatalf("the new session: %v", err)
	}
	if _, err := m.Load(copied); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("the replaced session's cookie: %v, want ErrNoSession", err)
	}
}

// With a short idle timeout, Touch saves every IdleTimeout/16.
func TestTouchGranularityShortIdle(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, IdleTimeout: 16 * time.Second, Now: func() time.Time { return now }})
	s := &session.Session{LastSeen: now}
	now = now.Add(999 * time.Millisecond)
	if m.Touch(s) {
		t.Error("saved before a sixteenth of the idle timeout")
	}
	now = now.Add(time.Millisecond)
	if !m.Touch(s) || !s.LastSeen.Equal(now) {
		t.Error("not saved after a sixteenth of the idle timeout")
	}
}

// Back-channel logout with a cookie store: sessions of that sid, or of
// that user, created before it are refused.
func TestEndSessionsCookieStore(t *testing.T) {
	m, _ := newManager(t)
	s := sample(10)
	s.SID = "sid-1"
	r := login(t, m, s)
	other := login(t, m, &session.Session{Issuer: "https://op.example", Subject: "bob", SID: "sid-2"})
	if _, err := m.EndSessions(context.Background(), "https://op.example", "", ""); err == nil {
		t.Error("EndSessions with neither sid nor sub: accepted")
	}
	m.EndSessions(context.Background(), "https://op.example", "sid-1", "")
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("session of the ended sid: %v", err)
	}
	if _, err := m.Load(other); err != nil {
		t.Errorf("another sid: %v", err)
	}
}
