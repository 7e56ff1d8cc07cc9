package storetest

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// origin is where the suite's requests go: plain http to loopback, which
// browsers treat as a secure origin for Secure cookies, so no store needs
// TLS in tests.
const origin = "http://127.0.0.1"

// jar is a browser's cookies for origin: a value and an expiry (zero for a
// browser-session cookie) by name. Copies of a jar are how the suite plays
// someone who copied a cookie.
type jar map[string]entry

type entry struct {
	value   string
	expires time.Time
}

// request returns a GET request carrying the jar's unexpired cookies.
func (j jar) request() *http.Request {
	r := httptest.NewRequest("GET", origin+"/", nil)
	for name, e := range j {
		if e.expires.IsZero() || time.Now().Before(e.expires) {
			r.AddCookie(&http.Cookie{Name: name, Value: e.value})
		}
	}
	return r
}

// ignoringExpiry is the request a thief replaying the cookies sends: all of
// them, expired or not.
func (j jar) ignoringExpiry() *http.Request {
	r := httptest.NewRequest("GET", origin+"/", nil)
	for name, e := range j {
		r.AddCookie(&http.Cookie{Name: name, Value: e.value})
	}
	return r
}

// take returns the jar after the response's Set-Cookie headers, in order.
func (j jar) take(w *httptest.ResponseRecorder) jar {
	n := maps.Clone(j)
	if n == nil {
		n = jar{}
	}
	for _, c := range w.Result().Cookies() {
		switch {
		case c.MaxAge < 0 || c.MaxAge == 0 && !c.Expires.IsZero() && c.Expires.Before(time.Now()):
			delete(n, c.Name)
		case c.MaxAge > 0:
			n[c.Name] = entry{c.Value, time.Now().Add(time.Duration(c.MaxAge) * time.Second)}
		default:
			n[c.Name] = entry{c.Value, c.Expires}
		}
	}
	return n
}

// login runs m.Login on a request from j and returns the jar after it.
func login(t *testing.T, m *session.Manager, j jar, s *session.Session) jar {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Login(w, j.request(), s); err != nil {
		t.Fatalf("Login: %v", err)
	}
	checkCookies(t, w)
	return j.take(w)
}

// save runs m.Save on a request from j and returns the jar after it.
func save(t *testing.T, m *session.Manager, j jar, s *session.Session) jar {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Save(w, j.request(), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	checkCookies(t, w)
	return j.take(w)
}

// checkCookies asserts the safe attributes every store's cookies must have.
func checkCookies(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if !c.HttpOnly || c.SameSite == http.SameSiteNoneMode || c.SameSite == http.SameSiteDefaultMode {
			t.Errorf("cookie %s: HttpOnly %v, SameSite %v; want HttpOnly and SameSite Lax or Strict", c.Name, c.HttpOnly, c.SameSite)
		}
	}
}

// serverSide reports whether store keeps sessions server-side: its session
// for j has an ID.
func serverSide(t *testing.T, store sessions.Store, j jar) bool {
	t.Helper()
	gs, err := store.New(j.request(), name)
	if err != nil {
		t.Fatalf("store.New: %v", err)
	}
	return gs.ID != ""
}
