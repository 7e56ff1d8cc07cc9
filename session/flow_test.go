package session_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/session"
)

// startFlow saves a new flow and returns it with the browser's next request.
func startFlow(t testing.TB, m *session.Manager, prev *http.Request) (*session.Flow, *http.Request) {
	t.Helper()
	f, err := m.NewFlow("/back", "op")
	if err != nil {
		t.Fatal(err)
	}
	if prev == nil {
		prev = httptest.NewRequest("GET", "http://127.0.0.1/login", nil)
	}
	w := httptest.NewRecorder()
	if err := m.SaveFlow(w, prev, f); err != nil {
		t.Fatal(err)
	}
	return f, carry(w, prev, "http://127.0.0.1/callback")
}

func TestFlowValues(t *testing.T) {
	m, _ := newManager(t)
	f, _ := m.NewFlow("/x", "op")
	if len(f.State) < 43 || len(f.Nonce) < 43 || len(f.Verifier) < 43 || len(f.Verifier) > 128 || f.State == f.Nonce {
		t.Errorf("flow %+v", f)
	}
	// The challenge a flow's verifier is sent with is x/oauth2's, which
	// must match RFC 7636.
	if got := oauth2.S256ChallengeFromVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("RFC 7636 appendix B vector: %s", got)
	}
}

func TestFlowTwoTabsReverseOrder(t *testing.T) {
	m, _ := newManager(t)
	f1, r := startFlow(t, m, nil)
	f2, r := startFlow(t, m, r)
	for _, f := range []*session.Flow{f2, f1} {
		w := httptest.NewRecorder()
		got, err := m.TakeFlow(w, r, f.State)
		if err != nil || got.Nonce != f.Nonce || got.Verifier != f.Verifier || got.ReturnTo != "/back" {
			t.Fatalf("tab: %v %+v", err, got)
		}
		r = carry(w, r, "http://127.0.0.1/callback")
	}
}

func TestFlowRefusals(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	f, r := startFlow(t, m, nil)

	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.State[:len(f.State)-1]+"x"); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("altered state: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, ""); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("empty state: %v", err)
	}
	other := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	if _, err := m.TakeFlow(httptest.NewRecorder(), other, f.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("another browser: %v", err)
	}
	w := httptest.NewRecorder()
	if _, err := m.TakeFlow(w, r, f.State); err != nil {
		t.Fatal(err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), carry(w, r, "http://127.0.0.1/callback"), f.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("replayed state: %v", err)
	}
	f2, r2 := startFlow(t, m, nil)
	now = now.Add(11 * time.Minute)
	if _, err := m.TakeFlow(httptest.NewRecorder(), r2, f2.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("flow after 11 minutes: %v", err)
	}
	now = time.Now()
	f3, r3 := startFlow(t, m, nil)
	tampered := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	for _, c := range r3.Cookies() {
		c.Value = strings.Replace(c.Value, c.Value[10:14], "AAAA", 1)
		tampered.AddCookie(c)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), tampered, f3.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("tampered flow cookie: %v", err)
	}
}

func TestFlowBound(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	var r *http.Request
	var flows []*session.Flow
	for range 12 {
		var f *session.Flow
		f, r = startFlow(t, m, r)
		flows = append(flows, f)
		now = now.Add(time.Millisecond)
	}
	n := 0
	for _, c := range r.Cookies() {
		if strings.Contains(c.Name, "_flow_") {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d pending flow cookies, want the bound 5", n)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, flows[11].State); err != nil {
		t.Errorf("newest flow: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, flows[0].State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("oldest flow survived the bound: %v", err)
	}
}

// Flow cookies are small, HttpOnly, Lax, Path=/, Secure and __Host- over
// https, and short-lived.
func TestFlowCookie(t *testing.T) {
	m, _ := newManager(t)
	f, _ := m.NewFlow("/some/page?x=1", "https://login.example.com")
	r := httptest.NewRequest("GET", "https://app.example/login", nil)
	r.TLS = &tls.ConnectionState{}
	w := httptest.NewRecorder()
	if err := m.SaveFlow(w, r, f); err != nil {
		t.Fatal(err)
	}
	h := w.Header().Get("Set-Cookie")
	c := w.Result().Cookies()[0]
	if len(h) > 1024 {
		t.Errorf("flow cookie of %d bytes", len(h))
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 600 ||
		!strings.HasPrefix(c.Name, "__Host-gatehouse_flow_") || len(c.Name) != len("__Host-gatehouse_flow_")+12 {
		t.Errorf("flow cookie %s", h)
	}
	long, _ := m.NewFlow("/"+strings.Repeat("x", 5000), "op")
	if err := m.SaveFlow(httptest.NewRecorder(), r, long); !errors.Is(err, session.ErrTooLarge) {
		t.Errorf("a 5 KB return address: %v, want ErrTooLarge", err)
	}
}

// A flow cookie moved to another flow's name does not decode: the name is
// part of what is signed.
func TestFlowCookieSwapped(t *testing.T) {
	m, _ := newManager(t)
	f1, r1 := startFlow(t, m, nil)
	f2, r2 := startFlow(t, m, nil)
	c1, c2 := r1.Cookies()[0], r2.Cookies()[0]
	r := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	r.AddCookie(&http.Cookie{Name: c2.Name, Value: c1.Value})
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f2.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("f1's cookie under f2's name, f2's state: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f1.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("f1's cookie under f2's name, f1's state: %v", err)
	}
}

// When the bound is reached, undecodable flow cookies go first.
func TestFlowBoundDropsUndecodableFirst(t *testing.T) {
	m, _ := newManager(t)
	var r *http.Request
	var flows []*session.Flow
	for range 4 {
		var f *session.Flow
		f, r = startFlow(t, m, r)
		flows = append(flows, f)
	}
	r.AddCookie(&http.Cookie{Name: "__Host-gatehouse_flow_zzzzzzzzzzzz", Value: "forged"})
	f, r := startFlow(t, m, r)
	flows = append(flows, f)
	names := map[string]bool{}
	for _, c := range r.Cookies() {
		names[c.Name] = true
	}
	if names["__Host-gatehouse_flow_zzzzzzzzzzzz"] || len(names) != 5 {
		t.Errorf("pending flows %v", names)
	}
	for _, f := range flows {
		if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.State); err != nil {
			t.Errorf("flow dropped instead of the undecodable cookie: %v", err)
		}
	}
}

// A flow saved with keys of another app (or retired keys) is refused.
func TestFlowOtherKeys(t *testing.T) {
	m, _ := newManager(t)
	other, _ := newManager(t, []byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32)))
	f, r := startFlow(t, other, nil)
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.State); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("flow of other keys: %v", err)
	}
}

// A callback that carries no flow cookie at all (the browser kept none for
// this host) is told apart from one whose flow cookies are for other
// states: both are ErrNoFlow, only the first ErrNoFlowCookie.
func TestFlowNoCookieToldApart(t *testing.T) {
	m, _ := newManager(t)
	f, r := startFlow(t, m, nil)
	bare := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	bare.AddCookie(&http.Cookie{Name: "theme", Value: "dark"}) // not a flow cookie
	if _, err := m.TakeFlow(httptest.NewRecorder(), bare, f.State); !errors.Is(err, session.ErrNoFlowCookie) || !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("no flow cookie: %v, want ErrNoFlowCookie (and ErrNoFlow)", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.State[:len(f.State)-1]+"x"); !errors.Is(err, session.ErrNoFlow) || errors.Is(err, session.ErrNoFlowCookie) {
		t.Errorf("a flow cookie of another state: %v, want ErrNoFlow only", err)
	}
}
