package session_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
)

// app is a small web app over a Manager, served by a real server, used
// with a real cookie jar.
func app(m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		if err := m.Login(w, r, sample(size)); err != nil {
			http.Error(w, "login failed", 500)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Load(r)
		switch {
		case errors.Is(err, session.ErrNoSession):
			http.Error(w, "signed out", 401)
			return
		case err != nil:
			http.Error(w, "store failed", 503)
			return
		}
		if m.Touch(s) {
			if err := m.Save(w, r, s); err != nil {
				http.Error(w, "save failed", 500)
				return
			}
		}
		io.WriteString(w, s.Subject+" "+strconv.Itoa(len(s.AccessToken)))
	})
	mux.HandleFunc("/shrink", func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Load(r)
		if err != nil {
			http.Error(w, "signed out", 401)
			return
		}
		s.AccessToken = "short"
		if err := m.Save(w, r, s); err != nil {
			http.Error(w, "save failed", 500)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Delete(w, r); err != nil {
			http.Error(w, "logout failed", 500)
		}
	})
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		state, err := m.SaveFlow(w, r, []byte("/back"), false)
		if err != nil {
			http.Error(w, "flow failed", 500)
			return
		}
		io.WriteString(w, state)
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		data, err := m.TakeFlow(w, r, r.URL.Query().Get("state"))
		if err != nil {
			http.Error(w, "no flow", 403)
			return
		}
		w.Write(data)
	})
	return mux
}

// browser is a client with a cookie jar.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.Jar = jar
	return &browser{t: t, c: c, base: srv.URL}
}

func (b *browser) get(path string) (int, string, *http.Response) {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(body)), res
}

func (b *browser) cookies() []*http.Cookie {
	u, _ := url.Parse(b.base)
	return b.c.Jar.Cookies(u)
}

func TestServerLifecycle(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http loopback", true: "https"}[tls], func(t *testing.T) {
			m, _ := newManager(t)
			var srv *httptest.Server
			if tls {
				srv = httptest.NewTLSServer(app(m))
			} else {
				srv = httptest.NewServer(app(m))
			}
			defer srv.Close()
			b := newBrowser(t, srv)
			if code, _, _ := b.get("/me"); code != 401 {
				t.Fatalf("signed out /me: %d", code)
			}
			b.get("/login?size=6000")
			cs := b.cookies()
			if len(cs) < 2 {
				t.Fatalf("a 6 KB session in %d cookies", len(cs))
			}
			for _, c := range cs {
				if !strings.HasPrefix(c.Name, "__Host-") {
					t.Errorf("cookie %s over tls=%v: want __Host- (and Secure) always", c.Name, tls)
				}
			}
			if code, body, _ := b.get("/me"); code != 200 || body != "alice 6000" {
				t.Fatalf("/me: %d %q", code, body)
			}
			// A signed-in request that changes nothing writes no cookie.
			if _, _, res := b.get("/me"); len(res.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("unchanged session wrote %q", res.Header.Values("Set-Cookie"))
			}
			b.get("/shrink")
			if n := len(b.cookies()); n != 1 {
				t.Errorf("after shrinking, the jar holds %d cookies, want 1 (stale chunks deleted)", n)
			}
			if code, body, _ := b.get("/me"); code != 200 || body != "alice 5" {
				t.Fatalf("/me after shrinking: %d %q", code, body)
			}
			stolen := newBrowser(t, srv)
			u, _ := url.Parse(srv.URL)
			stolen.c.Jar.SetCookies(u, b.cookies())
			b.get("/logout")
			if n := len(b.cookies()); n != 0 {
				t.Errorf("after logout, the jar holds %d cookies", n)
			}
			if code, _, _ := b.get("/me"); code != 401 {
				t.Errorf("/me after logout: %d", code)
			}
			if code, _, _ := stolen.get("/me"); code != 401 {
				t.Errorf("a copy of the cookie taken before logout: %d, want 401", code)
			}
		})
	}
}

func TestServerFlows(t *testing.T) {
	m, _ := newManager(t)
	srv := httptest.NewTLSServer(app(m))
	defer srv.Close()
	b := newBrowser(t, srv)
	_, tab1, _ := b.get("/start")
	_, tab2, _ := b.get("/start")
	for _, state := range []string{tab2, tab1} { // completed in reverse order
		if code, body, _ := b.get("/callback?state=" + state); code != 200 || body != "/back" {
			t.Errorf("tab callback: %d %q", code, body)
		}
	}
	if code, _, _ := b.get("/callback?state=" + tab1); code != 403 {
		t.Errorf("replayed state: %d, want 403", code)
	}
	_, state, _ := b.get("/start")
	if code, _, _ := newBrowser(t, srv).get("/callback?state=" + state); code != 403 {
		t.Errorf("state completed in another browser: %d, want 403", code)
	}
	for range 20 {
		b.get("/start")
	}
	if n := len(b.cookies()); n != 5 {
		t.Errorf("%d pending flow cookies in the jar, want the bound 5", n)
	}
}
