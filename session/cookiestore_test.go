package session_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

var (
	hashKey  = []byte(strings.Repeat("h", 32))
	blockKey = []byte(strings.Repeat("b", 32))
)

func newManager(t testing.TB, keys ...[]byte) (*session.Manager, *session.CookieStore) {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{hashKey, blockKey}
	}
	store, err := session.NewCookieStore(keys...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return m, store
}

// carry copies the Set-Cookie headers of w into a new request, like a
// browser: deleted cookies are dropped.
func carry(w *httptest.ResponseRecorder, prev *http.Request, url string) *http.Request {
	r := httptest.NewRequest("GET", url, nil)
	jar := map[string]*http.Cookie{}
	if prev != nil {
		for _, c := range prev.Cookies() {
			jar[c.Name] = c
		}
	}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(jar, c.Name)
		} else {
			jar[c.Name] = c
		}
	}
	for _, c := range jar {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

func sample(size int) *session.Session {
	return &session.Session{Issuer: "https://op.example", Subject: "alice", AccessToken: strings.Repeat("a", size),
		RefreshToken: "rt", Claims: []byte(`{"sub":"alice","name":"Alice"}`), Expiry: time.Now().Add(time.Hour)}
}

func login(t testing.TB, m *session.Manager, s *session.Session) *http.Request {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), s); err != nil {
		t.Fatal(err)
	}
	return carry(w, nil, "http://127.0.0.1/")
}

func TestRoundTrip(t *testing.T) {
	m, _ := newManager(t)
	r := login(t, m, sample(100))
	s, err := m.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Name string `json:"name"`
	}
	if s.Subject != "alice" || s.ID == "" || s.ClaimsInto(&c) != nil || c.Name != "Alice" {
		t.Errorf("loaded %+v", s)
	}
}

func TestLargeSessionChunks(t *testing.T) {
	m, _ := newManager(t)
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(6000)); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) < 2 {
		t.Fatalf("6 KB session in %d cookies", len(cookies))
	}
	for _, c := range cookies {
		if len(c.String()) > 4096 {
			t.Errorf("cookie %s is %d bytes with attributes, over the browser limit", c.Name, len(c.String()))
		}
	}
	r := carry(w, nil, "http://127.0.0.1/")
	s, err := m.Load(r)
	if err != nil || len(s.AccessToken) != 6000 {
		t.Fatalf("chunked load: %v", err)
	}
	// Shrinking deletes the chunks no longer needed.
	s.AccessToken = "short"
	w = httptest.NewRecorder()
	if err := m.Save(w, r, s); err != nil {
		t.Fatal(err)
	}
	deleted := 0
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			deleted++
		}
	}
	if deleted != len(cookies)-1 {
		t.Errorf("shrinking deleted %d stale chunks, want %d", deleted, len(cookies)-1)
	}
	if s2, err := m.Load(carry(w, r, "http://127.0.0.1/")); err != nil || s2.AccessToken != "short" {
		t.Errorf("after shrinking: %v", err)
	}
}

func TestChunkTampering(t *testing.T) {
	m, _ := newManager(t)
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(6000)); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	build := func(mod func([]*http.Cookie) []*http.Cookie) *http.Request {
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		cs := make([]*http.Cookie, len(cookies))
		for i, c := range cookies {
			cc := *c
			cs[i] = &cc
		}
		for _, c := range mod(cs) {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		return r
	}
	rows := map[string]func([]*http.Cookie) []*http.Cookie{
		"missing chunk": func(cs []*http.Cookie) []*http.Cookie { return cs[:len(cs)-1] },
		"swapped chunks": func(cs []*http.Cookie) []*http.Cookie {
			cs[0].Value, cs[1].Value = cs[0].Value[:2]+cs[1].Value, cs[0].Value[2:]
			return cs
		},
		"flipped byte": func(cs []*http.Cookie) []*http.Cookie {
			v := []byte(cs[1].Value)
			v[100] ^= 1
			cs[1].Value = string(v)
			return cs
		},
		"count raised": func(cs []*http.Cookie) []*http.Cookie {
			cs[0].Value = "9" + cs[0].Value[1:]
			return cs
		},
		"garbage": func(cs []*http.Cookie) []*http.Cookie { return []*http.Cookie{{Name: cs[0].Name, Value: "1.garbage"}} },
	}
	for name, mod := range rows {
		if _, err := m.Load(build(mod)); !errors.Is(err, session.ErrNoSession) {
			t.Errorf("%s: %v, want ErrNoSession", name, err)
		}
	}
	// Extra chunks beyond the count are ignored.
	r := build(func(cs []*http.Cookie) []*http.Cookie {
		return append(cs, &http.Cookie{Name: cs[0].Name + "_7", Value: "junk"})
	})
	if _, err := m.Load(r); err != nil {
		t.Errorf("an extra chunk broke the session: %v", err)
	}
}

func TestTooLarge(t *testing.T) {
	m, _ := newManager(t)
	err := m.Login(httptest.NewRecorder(), httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(40000))
	if !errors.Is(err, session.ErrTooLarge) {
		t.Errorf("40 KB session: %v, want ErrTooLarge", err)
	}
}

func TestKeyRotation(t *testing.T) {
	old, _ := newManager(t)
	r := login(t, old, sample(10))
	newHash, newBlock := []byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32))
	rotated, _ := newManager(t, newHash, newBlock, hashKey, blockKey)
	s, err := rotated.Load(r)
	if err != nil {
		t.Fatalf("old cookie under rotated keys: %v", err)
	}
	w := httptest.NewRecorder()
	rotated.Save(w, r, s)
	onlyNew, _ := newManager(t, newHash, newBlock)
	if _, err := onlyNew.Load(carry(w, r, "http://127.0.0.1/")); err != nil {
		t.Errorf("a cookie saved after rotation does not load with the new key alone: %v", err)
	}
	other, _ := newManager(t, newHash, newBlock)
	fresh := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	for _, c := range r.Cookies() {
		fresh.AddCookie(c)
	}
	if _, err := other.Load(fresh); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a cookie from retired keys: %v", err)
	}
}

func TestNewCookieStoreRejectsBadKeys(t *testing.T) {
	for name, keys := range map[string][][]byte{
		"none":            nil,
		"odd":             {hashKey},
		"short hash key":  {[]byte("short"), blockKey},
		"short block key": {hashKey, []byte("short")},
	} {
		if _, err := session.NewCookieStore(keys...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	m, _ := newManager(t)
	rows := []struct {
		url    string
		tls    bool
		secure bool
	}{
		{"http://127.0.0.1:8080/", false, true}, // loopback: browsers take Secure cookies there
		{"http://localhost:8080/", false, true},
		{"http://app.example/", false, true}, // behind a TLS-terminating proxy
		{"https://app.example/", true, true},
	}
	for _, tc := range rows {
		r := httptest.NewRequest("GET", tc.url, nil)
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		if err := m.Login(w, r, sample(10)); err != nil {
			t.Fatal(err)
		}
		c := w.Result().Cookies()[0]
		if c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("%s: %s", tc.url, c)
		}
		if tc.secure != strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("%s: name %s", tc.url, c.Name)
		}
		if c.MaxAge <= 0 || c.MaxAge > 24*3600 {
			t.Errorf("%s: MaxAge %d, want a short positive lifetime", tc.url, c.MaxAge)
		}
	}
}
