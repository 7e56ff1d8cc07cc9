package session_test

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

// pending is a flow a test started: its state and the data it saved.
type pending struct {
	state string
	data  []byte
}

// flowData is data shaped like the login's: a nonce and a PKCE verifier
// of 43 characters each, the return address and the provider.
func flowData(returnTo, provider string) []byte {
	b := make([]byte, 64)
	rand.Read(b)
	return fmt.Appendf(nil, `{"n":%q,"v":%q,"r":%q,"p":%q}`,
		base64.RawURLEncoding.EncodeToString(b[:32]), base64.RawURLEncoding.EncodeToString(b[32:]), returnTo, provider)
}

// startFlow saves a new flow and returns it with the browser's next request.
func startFlow(t testing.TB, m *session.Manager, prev *http.Request) (pending, *http.Request) {
	t.Helper()
	if prev == nil {
		prev = httptest.NewRequest("GET", "http://127.0.0.1/login", nil)
	}
	f := pending{data: flowData("/back", "op")}
	w := httptest.NewRecorder()
	var err error
	if f.state, err = m.SaveFlow(w, prev, f.data, false); err != nil {
		t.Fatal(err)
	}
	return f, carry(w, prev, "http://127.0.0.1/callback")
}

// A flow's state is 256 random bits, base64url, new for every flow.
func TestFlowState(t *testing.T) {
	m, _ := newManager(t)
	f1, _ := startFlow(t, m, nil)
	f2, _ := startFlow(t, m, nil)
	if len(f1.state) != 43 || f1.state == f2.state {
		t.Errorf("states %q, %q", f1.state, f2.state)
	}
	if _, err := base64.RawURLEncoding.DecodeString(f1.state); err != nil {
		t.Errorf("state %q: %v", f1.state, err)
	}
}

func TestFlowTwoTabsReverseOrder(t *testing.T) {
	m, _ := newManager(t)
	f1, r := startFlow(t, m, nil)
	f2, r := startFlow(t, m, r)
	for _, f := range []pending{f2, f1} {
		w := httptest.NewRecorder()
		got, err := m.TakeFlow(w, r, f.state)
		if err != nil || !bytes.Equal(got, f.data) {
			t.Fatalf("tab: %v %s", err, got)
		}
		r = carry(w, r, "http://127.0.0.1/callback")
	}
}

func TestFlowRefusals(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	f, r := startFlow(t, m, nil)

	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.state[:len(f.state)-1]+"x"); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("altered state: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, ""); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("empty state: %v", err)
	}
	other := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	if _, err := m.TakeFlow(httptest.NewRecorder(), other, f.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("another browser: %v", err)
	}
	w := httptest.NewRecorder()
	if _, err := m.TakeFlow(w, r, f.state); err != nil {
		t.Fatal(err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), carry(w, r, "http://127.0.0.1/callback"), f.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("replayed state: %v", err)
	}
	f2, r2 := startFlow(t, m, nil)
	now = now.Add(11 * time.Minute)
	if _, err := m.TakeFlow(httptest.NewRecorder(), r2, f2.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("flow after 11 minutes: %v", err)
	}
	now = time.Now()
	f3, r3 := startFlow(t, m, nil)
	tampered := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	for _, c := range r3.Cookies() {
		c.Value = strings.Replace(c.Value, c.Value[10:14], "AAAA", 1)
		tampered.AddCookie(c)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), tampered, f3.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("tampered flow cookie: %v", err)
	}
}

func TestFlowBound(t *testing.T) {
	now := time.Now()
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return now }})
	var r *http.Request
	var flows []pending
	for range 12 {
		var f pending
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
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, flows[11].state); err != nil {
		t.Errorf("newest flow: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, flows[0].state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("oldest flow survived the bound: %v", err)
	}
}

// Flow cookies are small, HttpOnly, Lax, Path=/, Secure and __Host- over
// https, and short-lived.
func TestFlowCookie(t *testing.T) {
	m, _ := newManager(t)
	r := httptest.NewRequest("GET", "https://app.example/login", nil)
	r.TLS = &tls.ConnectionState{}
	w := httptest.NewRecorder()
	if _, err := m.SaveFlow(w, r, flowData("/some/page?x=1", "https://login.example.com"), false); err != nil {
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
	long := flowData("/"+strings.Repeat("x", 5000), "op")
	if _, err := m.SaveFlow(httptest.NewRecorder(), r, long, false); !errors.Is(err, session.ErrTooLarge) {
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
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f2.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("f1's cookie under f2's name, f2's state: %v", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f1.state); !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("f1's cookie under f2's name, f1's state: %v", err)
	}
}

// When the bound is reached, undecodable flow cookies go first.
func TestFlowBoundDropsUndecodableFirst(t *testing.T) {
	m, _ := newManager(t)
	var r *http.Request
	var flows []pending
	for range 4 {
		var f pending
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
		if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.state); err != nil {
			t.Errorf("flow dropped instead of the undecodable cookie: %v", err)
		}
	}
}

// A flow saved with keys of another app (or retired keys) is refused.
func TestFlowOtherKeys(t *testing.T) {
	m, _ := newManager(t)
	other, _ := newManager(t, []byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32)))
	f, r := startFlow(t, other, nil)
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.state); !errors.Is(err, session.ErrNoFlow) {
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
	if _, err := m.TakeFlow(httptest.NewRecorder(), bare, f.state); !errors.Is(err, session.ErrNoFlowCookie) || !errors.Is(err, session.ErrNoFlow) {
		t.Errorf("no flow cookie: %v, want ErrNoFlowCookie (and ErrNoFlow)", err)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.state[:len(f.state)-1]+"x"); !errors.Is(err, session.ErrNoFlow) || errors.Is(err, session.ErrNoFlowCookie) {
		t.Errorf("a flow cookie of another state: %v, want ErrNoFlow only", err)
	}
}

// A flow cookie in the previous format (the login's fields as JSON) is
// refused cleanly as no flow, and counts as undecodable for the bound: a
// flow lives ten minutes, so a login begun before an upgrade starts again.
func TestFlowOfPreviousFormatRefused(t *testing.T) {
	m, _ := newManager(t)
	state := strings.Repeat("s", 43)
	r := httptest.NewRequest("GET", "http://127.0.0.1/callback", nil)
	r.AddCookie(session.PreviousFormatFlowCookie(m, state, time.Now()))
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, state); !errors.Is(err, session.ErrNoFlow) || errors.Is(err, session.ErrNoFlowCookie) {
		t.Errorf("a previous-format flow: %v, want ErrNoFlow (a cookie there)", err)
	}
	old := r.Cookies()[0].Name
	var flows []pending
	for range 5 {
		var f pending
		f, r = startFlow(t, m, r)
		flows = append(flows, f)
	}
	for _, c := range r.Cookies() {
		if c.Name == old {
			t.Error("the previous-format flow was kept over a new one")
		}
	}
	for _, f := range flows {
		if _, err := m.TakeFlow(httptest.NewRecorder(), r, f.state); err != nil {
			t.Errorf("a new flow dropped instead of the previous-format one: %v", err)
		}
	}
}

// A flow may carry no data at all (a login that needs only the state):
// it comes back, empty, once.
func TestFlowWithoutData(t *testing.T) {
	m, _ := newManager(t)
	w := httptest.NewRecorder()
	prev := httptest.NewRequest("GET", "http://127.0.0.1/login", nil)
	state, err := m.SaveFlow(w, prev, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r := carry(w, prev, "http://127.0.0.1/callback")
	if data, err := m.TakeFlow(httptest.NewRecorder(), r, state); err != nil || len(data) != 0 {
		t.Errorf("a flow without data: %v %q", err, data)
	}
}
