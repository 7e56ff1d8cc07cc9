package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// A third-party server-side gorilla store (gob, with session IDs): Login
// deletes the old entry and issues a new ID; Delete removes the entry.
func TestThirdPartyFilesystemStore(t *testing.T) {
	dir := t.TempDir()
	fs := sessions.NewFilesystemStore(dir, hashKey, blockKey)
	fs.MaxLength(1 << 16)
	m, err := session.New(session.Config{Store: fs, FlowKeys: [][]byte{hashKey, blockKey}})
	if err != nil {
		t.Fatal(err)
	}
	files := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, "session_*"))
		return names
	}
	r := login(t, m, sample(5000))
	first := files()
	if len(first) != 1 {
		t.Fatalf("%d session files after login", len(first))
	}
	s, err := m.Load(r)
	if err != nil || len(s.AccessToken) != 5000 {
		t.Fatalf("load from a gob store: %v", err)
	}
	w := httptest.NewRecorder()
	if err := m.Login(w, fresh(r), sample(10)); err != nil {
		t.Fatal(err)
	}
	second := files()
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("a second login kept the old entry: %v then %v", first, second)
	}
	r2 := carry(w, fresh(r), "http://127.0.0.1/")
	if _, err := m.Load(fresh(r)); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("the replaced session: %v", err)
	}
	w = httptest.NewRecorder()
	if err := m.Delete(w, r2); err != nil {
		t.Fatal(err)
	}
	if n := len(files()); n != 0 {
		t.Errorf("%d session files after logout", n)
	}
}

// gorilla's own CookieStore (gob) carries a Session too.
func TestThirdPartyGobCookieStore(t *testing.T) {
	m, err := session.New(session.Config{Store: sessions.NewCookieStore(hashKey, blockKey), FlowKeys: [][]byte{hashKey, blockKey}})
	if err != nil {
		t.Fatal(err)
	}
	r := login(t, m, sample(100))
	if s, err := m.Load(r); err != nil || s.Subject != "alice" {
		t.Fatalf("%v", err)
	}
	// gorilla's Options default to neither Secure nor HttpOnly: the
	// Manager sets both, whatever the request.
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(10)); err != nil {
		t.Fatal(err)
	}
	if c := w.Result().Cookies()[0]; !c.Secure || !c.HttpOnly {
		t.Errorf("a third-party store's cookie: %s", c)
	}
}

// sharedStore hands every session a pointer to its own Options, as some
// third-party stores do.
type sharedStore struct {
	*session.CookieStore
	opts *sessions.Options
}

func (s sharedStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

func (s sharedStore) New(r *http.Request, name string) (*sessions.Session, error) {
	gs, err := s.CookieStore.New(r, name)
	gs.Options = s.opts
	return gs, err
}

func TestStoreOptionsNotChanged(t *testing.T) {
	cs, _ := session.NewCookieStore(hashKey, blockKey)
	st := sharedStore{cs, &sessions.Options{Path: "/", MaxAge: 86400}}
	m, err := session.New(session.Config{Store: st, FlowKeys: [][]byte{hashKey, blockKey}, AbsoluteTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r := login(t, m, sample(10))
	m.Login(httptest.NewRecorder(), fresh(r), sample(10))
	m.Delete(httptest.NewRecorder(), fresh(r))
	if *st.opts != (sessions.Options{Path: "/", MaxAge: 86400}) {
		t.Errorf("the store's shared Options changed: %+v", *st.opts)
	}
}

// failingStore fails like a store that is down; only its lock works.
type failingStore struct{ sessions.Store }

func (failingStore) Lock(context.Context, string, time.Duration) (func(), error) {
	return func() {}, nil
}

var errDown = errors.New("store down")

func (failingStore) Get(*http.Request, string) (*sessions.Session, error) { return nil, errDown }
func (failingStore) New(*http.Request, string) (*sessions.Session, error) { return nil, errDown }
func (failingStore) Save(*http.Request, http.ResponseWriter, *sessions.Session) error {
	return errDown
}

// failingDenyList fails like a deny list that is down.
type failingDenyList struct{}

func (failingDenyList) Deny(context.Context, string, time.Time) error { return errDown }
func (failingDenyList) Denied(context.Context, string) (bool, error)  { return false, errDown }

// A failing store or deny list is never reported as "signed out".
func TestFailuresAreNotSignedOut(t *testing.T) {
	m, err := session.New(session.Config{Store: failingStore{}, FlowKeys: [][]byte{hashKey, blockKey}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	checks := map[string]error{
		"Load":   func() error { _, err := m.Load(r); return err }(),
		"Lock":   func() error { _, _, err := m.Lock(r, &session.Session{ID: "x"}, time.Second); return err }(),
		"Save":   m.Save(httptest.NewRecorder(), r, &session.Session{ID: "x"}),
		"Login":  m.Login(httptest.NewRecorder(), r, sample(10)),
		"Delete": m.Delete(httptest.NewRecorder(), r),
	}
	for name, err := range checks {
		if !errors.Is(err, errDown) || errors.Is(err, session.ErrNoSession) {
			t.Errorf("%s with the store down: %v", name, err)
		}
	}

	cs, _ := session.NewCookieStore(hashKey, blockKey)
	good, _ := session.New(session.Config{Store: cs})
	r = login(t, good, sample(10))
	m, _ = session.New(session.Config{Store: cs, DenyList: failingDenyList{}})
	if _, err := m.Load(fresh(r)); !errors.Is(err, errDown) || errors.Is(err, session.ErrNoSession) {
		t.Errorf("Load with the deny list down: %v", err)
	}
	w := httptest.NewRecorder()
	if err := m.Delete(w, fresh(r)); !errors.Is(err, errDown) {
		t.Errorf("Delete with the deny list down: %v", err)
	}
}

func TestSaveWithoutID(t *testing.T) {
	m, _ := newManager(t)
	err := m.Save(httptest.NewRecorder(), httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(10))
	if !errors.Is(err, session.ErrNoSession) {
		t.Errorf("Save of a Session without ID: %v", err)
	}
}
