package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	if got := session.S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
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
	m, _ := newManager(t)
	var r *http.Request
	var flows []*session.Flow
	for range 12 {
		var f *session.Flow
		f, r = startFlow(t, m, r)
		flows = append(flows, f)
		time.Sleep(time.Millisecond)
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
