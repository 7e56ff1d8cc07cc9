package session_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

// A chunk spliced in with a raised count is no session.
func TestChunkSpliced(t *testing.T) {
	m, _ := newManager(t)
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(6000)); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	n := len(cs)
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	for i, c := range cs {
		v := c.Value
		if i == 0 {
			_, rest, _ := strings.Cut(v, ".")
			v = string(rune('0'+n+1)) + "." + rest
		}
		r.AddCookie(&http.Cookie{Name: c.Name, Value: v})
	}
	r.AddCookie(&http.Cookie{Name: cs[0].Name + "_" + string(rune('0'+n)), Value: "QUFBQQ"})
	if _, err := m.Load(r); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("spliced chunk: %v, want ErrNoSession", err)
	}
}

// The cookie's expiry is sealed in it: a copy replayed after Max-Age is no
// session, even to a Manager whose clock says the session is fresh.
func TestCookieExpirySealed(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	store, _ := session.NewCookieStore(hashKey, blockKey)
	session.SetStoreClock(store, clock)
	store.Options.MaxAge = 60
	frozen := time.Now()
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return frozen }})
	r := login(t, m, sample(10))
	now = now.Add(59 * time.Second)
	if _, err := m.Load(r); err != nil {
		t.Fatalf("within Max-Age: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := m.Load(fresh(r)); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("replayed past Max-Age: %v, want ErrNoSession", err)
	}
}

// Every Set-Cookie stays under the browsers' 4 KB, whatever the name and
// attributes.
func TestChunkSizeCountsNameAndAttributes(t *testing.T) {
	store, _ := session.NewCookieStore(hashKey, blockKey)
	store.Options.Domain = strings.Repeat("sub.", 50) + "example"
	m, err := session.New(session.Config{Store: store, Name: strings.Repeat("n", 256)})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://app.example/", nil)
	w := httptest.NewRecorder()
	if err := m.Login(w, r, sample(9000)); err != nil {
		t.Fatal(err)
	}
	headers := w.Header().Values("Set-Cookie")
	if len(headers) < 3 {
		t.Fatalf("9 KB session in %d cookies", len(headers))
	}
	for _, h := range headers {
		if len(h) > 4000 {
			t.Errorf("Set-Cookie of %d bytes", len(h))
		}
		if !strings.HasPrefix(h, "__Secure-") {
			t.Errorf("a Secure cookie with Domain is not __Secure- prefixed: %.40s", h)
		}
	}
	req := httptest.NewRequest("GET", "https://app.example/", nil)
	for _, c := range w.Result().Cookies() {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	if s, err := m.Load(req); err != nil || len(s.AccessToken) != 9000 {
		t.Errorf("load: %v", err)
	}
}

func TestSaveRejectsNonStringKey(t *testing.T) {
	store, _ := session.NewCookieStore(hashKey, blockKey)
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	gs, _ := store.Get(r, "x")
	gs.Values[42] = "answer"
	if err := store.Save(r, httptest.NewRecorder(), gs); err == nil {
		t.Error("a non-string key saved")
	}
}

// Values other than the Session survive a Load and Save unchanged, decoded
// only by whoever reads them.
func TestOtherValuesKept(t *testing.T) {
	m, store := newManager(t)
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	gs, _ := store.Get(r, "gatehouse")
	gs.Values["theme"] = map[string]string{"color": "blue"}
	w := httptest.NewRecorder()
	if err := m.Login(w, r, sample(10)); err != nil {
		t.Fatal(err)
	}
	r = carry(w, nil, "http://127.0.0.1/")
	gs, _ = store.Get(r, "gatehouse")
	gs.Values["theme"] = map[string]string{"color": "blue"}
	s, _ := m.Load(r)
	w = httptest.NewRecorder()
	if err := m.Save(w, r, s); err != nil {
		t.Fatal(err)
	}
	gs, _ = store.Get(carry(w, r, "http://127.0.0.1/"), "gatehouse")
	raw, ok := gs.Values["theme"].(json.RawMessage)
	if !ok || string(raw) != `{"color":"blue"}` {
		t.Errorf("theme = %#v", gs.Values["theme"])
	}
}

// A request's Host header, scheme or forwarding headers never make a cookie
// less secure: nginx's proxy_pass to 127.0.0.1 sends "Host: 127.0.0.1" for
// an https site, and an attacker can send whatever he likes. The session
// cookie and the login-flow cookies are Secure and __Host- prefixed for
// every request, and the store's Options cannot turn Secure off.
func TestAttackHostHeaderDowngradesCookieSecurity(t *testing.T) {
	m, store := newManager(t)
	store.Options.Secure = false // gorilla's zero value: ignored
	rows := []struct {
		name string
		req  func() *http.Request
	}{
		{"Host 127.0.0.1 behind a proxy", func() *http.Request { return httptest.NewRequest("GET", "http://127.0.0.1:8080/", nil) }},
		{"Host localhost", func() *http.Request { return httptest.NewRequest("GET", "http://localhost/", nil) }},
		{"Host [::1]", func() *http.Request { return httptest.NewRequest("GET", "http://[::1]:8080/", nil) }},
		{"Host 127.1.2.3", func() *http.Request { return httptest.NewRequest("GET", "http://127.1.2.3/", nil) }},
		{"X-Forwarded-Proto http to loopback", func() *http.Request {
			r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
			r.Header.Set("X-Forwarded-Proto", "http")
			return r
		}},
		{"Forwarded proto=http", func() *http.Request {
			r := httptest.NewRequest("GET", "http://localhost/", nil)
			r.Header.Set("Forwarded", "for=1.2.3.4;proto=http")
			return r
		}},
		{"public host over http", func() *http.Request { return httptest.NewRequest("GET", "http://app.example/", nil) }},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := m.Login(w, tc.req(), sample(10)); err != nil {
				t.Fatal(err)
			}
			if _, err := m.SaveFlow(w, tc.req(), flowData("/", "p"), false); err != nil {
				t.Fatal(err)
			}
			cs := w.Result().Cookies()
			if len(cs) < 2 {
				t.Fatalf("%d cookies, want the session's and the flow's", len(cs))
			}
			for _, c := range cs {
				if !c.Secure || !c.HttpOnly || !strings.HasPrefix(c.Name, "__Host-") {
					t.Errorf("cookie not Secure, HttpOnly and __Host-: %s", c)
				}
			}
		})
	}
	// SameSite None is kept (the cookie is Secure), Strict too.
	for _, ss := range []http.SameSite{http.SameSiteNoneMode, http.SameSiteStrictMode} {
		store.Options.SameSite = ss
		w := httptest.NewRecorder()
		m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(10))
		if c := w.Result().Cookies()[0]; c.SameSite != ss || !c.Secure {
			t.Errorf("SameSite %v: %s", ss, c)
		}
	}
}

func TestNilOptions(t *testing.T) {
	m, store := newManager(t)
	store.Options = nil
	r := login(t, m, sample(10))
	if _, err := m.Load(r); err != nil {
		t.Fatal(err)
	}
}

// MaxAge < 0 on Save deletes every chunk the browser sent.
func TestSaveNegativeMaxAgeDeletesAll(t *testing.T) {
	m, store := newManager(t)
	w := httptest.NewRecorder()
	m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), sample(6000))
	n := len(w.Result().Cookies())
	r := carry(w, nil, "http://127.0.0.1/")
	gs, _ := store.Get(r, "gatehouse")
	gs.Options.MaxAge = -1
	w = httptest.NewRecorder()
	if err := store.Save(r, w, gs); err != nil {
		t.Fatal(err)
	}
	deleted := 0
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			deleted++
		}
	}
	if n < 2 || deleted != n {
		t.Errorf("deleted %d of %d chunks", deleted, n)
	}
}

// fresh is a new request with r's cookies (past gorilla's per-request cache).
func fresh(r *http.Request) *http.Request {
	n := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	for _, c := range r.Cookies() {
		n.AddCookie(c)
	}
	return n
}
