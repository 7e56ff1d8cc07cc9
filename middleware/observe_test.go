package middleware_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// tally is an Observer that counts events as "kind outcome reason".
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *tally) Observe(_ context.Context, e observe.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[string(e.Kind)+" "+string(e.Outcome)+" "+e.Reason]++
}

// take returns the counts so far and starts again.
func (c *tally) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = nil
	return n
}

// wantTally fails unless got holds exactly the counts in want.
func wantTally(t *testing.T, what string, got map[string]int, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: events %v, want %v", what, got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("%s: events %v, want %v", what, got, want)
		}
	}
}

// Every refused request is reported once, with its error code; a request
// let through is its verifier's Verify event only.
func TestObserveBearerRefusals(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	obs := &tally{}
	a := newAPI(t, op, verify.Config{Observer: obs}, bearer.Config{Observer: obs})
	tok := op.AccessToken("alice", "api")
	twice := get("/me", tok)
	twice.Header.Add("Authorization", "Bearer "+tok)
	for _, c := range []struct {
		name string
		req  *http.Request
		want map[string]int
	}{
		{"accepted", get("/me", tok), map[string]int{"verify ok ": 1}},
		{"no token", get("/me", ""), map[string]int{"bearer_refusal refused no_token": 1}},
		{"invalid token", get("/me", "a.b.c"), map[string]int{"verify refused malformed": 1, "bearer_refusal refused invalid_token": 1}},
		{"two Authorization headers", twice, map[string]int{"bearer_refusal refused invalid_request": 1}},
		{"scope missing (RequireScope)", get("/admin", tok), map[string]int{"verify ok ": 1, "bearer_refusal refused insufficient_scope": 1}},
	} {
		w, _ := a.do(c.req)
		if (w.Code == http.StatusOK) != (c.name == "accepted") {
			t.Fatalf("%s: %d", c.name, w.Code)
		}
		wantTally(t, c.name, obs.take(), c.want)
	}

	down := oidctest.NewServer()
	defer down.Close()
	down.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusServiceUnavailable })
	d := newAPI(t, down, verify.Config{Observer: obs}, bearer.Config{Observer: obs})
	if w, _ := d.do(get("/me", down.AccessToken("alice", "api"))); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("keys unavailable: %d", w.Code)
	}
	got := obs.take()
	wantTally(t, "keys unavailable", got, map[string]int{"verify failed unavailable": 1, "bearer_refusal failed temporarily_unavailable": 1})
}

// count is the cheapest useful Observer: one atomic add per event.
type count struct{ n atomic.Int64 }

func (c *count) Observe(context.Context, observe.Event) { c.n.Add(1) }

// BenchmarkBearerObservedPaired is a request with a valid (cached) token
// through the bearer middleware whose verifier reports to an Observer,
// paired with the same request through one without: the difference of the
// two ns/op is what observing costs the hot path (issue #15: at most
// 0.6 µs).
func BenchmarkBearerObservedPaired(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	obs := &count{}
	with := newAPI(b, op, verify.Config{Observer: obs}, bearer.Config{Observer: obs})
	without := newAPI(b, op, verify.Config{}, bearer.Config{})
	r := get("/me", op.AccessToken("alice", "api", "read"))
	w := &discardWriter{h: http.Header{}}
	serve := func(a *api) func() {
		return func() {
			a.handler.ServeHTTP(w, r)
			if w.code != 0 && w.code != http.StatusOK {
				b.Fatal(w.code)
			}
		}
	}
	serve(with)()
	serve(without)()
	paired(b, "observed", serve(with), "none", serve(without))
	if obs.n.Load() == 0 {
		b.Fatal("nothing observed")
	}
}

// lastEvent is an Observer that keeps the last event.
type lastEvent struct {
	mu sync.Mutex
	e  observe.Event
}

func (l *lastEvent) Observe(_ context.Context, e observe.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.e = e
}

func (l *lastEvent) get() observe.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.e
}

// Each token request of an outbound client is reported with its duration
// and outcome: granted, refused with the provider's code, the provider
// failing, or gone.
func TestObserveTokenRequests(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	synctest.Test(t, func(t *testing.T) {
		obs := &lastEvent{}
		started, open := make(chan struct{}), make(chan struct{})
		c := bubbleConfig(op)
		c.TokenURL, c.Provider, c.Observer = "", p, obs
		c.HTTPClient.Transport = gate{started: started, open: open, next: c.HTTPClient.Transport}
		tr := newTransport(t, c)
		done := make(chan error)
		go func() { _, err := tr.Token(t.Context()); done <- err }()
		<-started
		time.Sleep(150 * time.Millisecond)
		close(open)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := observe.Event{Kind: observe.TokenRequest, Outcome: observe.OK, Issuer: op.URL, Duration: 150 * time.Millisecond}
		if e := obs.get(); e != want {
			t.Fatalf("granted: %+v, want %+v", e, want)
		}
	})

	for _, c := range []struct {
		name    string
		prepare func(*outbound.Config)
		outcome observe.Outcome
		reason  string
	}{
		{"wrong secret", func(c *outbound.Config) { c.ClientSecret = "wrong" }, observe.Refused, "invalid_client"},
		{"provider failing", func(*outbound.Config) { op.Set(func(b *oidctest.Behavior) { b.TokenStatus = http.StatusBadGateway }) }, observe.Failed, "unavailable"},
		{"provider gone", func(c *outbound.Config) { c.TokenURL = "http://127.0.0.1:1/token" }, observe.Failed, "unreachable"},
	} {
		obs := &lastEvent{}
		cfg := ccConfig(op)
		cfg.Observer = obs
		c.prepare(&cfg)
		if _, err := newTransport(t, cfg).Token(t.Context()); err == nil {
			t.Fatalf("%s: a token", c.name)
		}
		if e := obs.get(); e.Kind != observe.TokenRequest || e.Outcome != c.outcome || e.Reason != c.reason || e.Issuer != "" {
			t.Errorf("%s: %+v, want %s %s", c.name, e, c.outcome, c.reason)
		}
		op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
	}
}

// withObserver sets an Observer in the login's configuration.
func withObserver(o observe.Observer) appOpt { return func(c *login.Config) { c.Observer = o } }

// Each login step is reported, OK or with the error page's code: a login
// started and completed, refused steps, refreshes granted, refused and
// failed (with their duration), a logout, back-channel logouts.
func TestObserveLoginSteps(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	obs := &tally{}
	last := &lastEvent{}
	a := withBackchannel(newApp(t, op, withObserver(both{obs, last})))
	b := newBrowser(t)
	b.login(a, "alice")
	wantTally(t, "login", obs.take(), map[string]int{"login_start ok ": 1, "login ok ": 1})
	if e := last.get(); e.Issuer != op.URL {
		t.Errorf("issuer %q", e.Issuer)
	}

	b.get(a.srv.URL+"/login?return_to=//evil.example", "text/html")
	stranger := newBrowser(t)
	stranger.get(a.srv.URL+"/callback?state=forged&code=x", "text/html")
	stranger.startLogin(a, "/")
	stranger.get(a.srv.URL+"/callback?state=forged&code=x", "text/html")
	wantTally(t, "refused steps", obs.take(), map[string]int{"login_start refused invalid_return_to": 1,
		"login refused login_cookie_missing": 1, "login_start ok ": 1, "login refused invalid_state": 1})
	// The provider's error: its code when it is an OAuth one, else
	// provider_error (a Reason never takes a code the label set lacks).
	for _, code := range []string{"access_denied", "made_up_code"} {
		state := mustQuery(t, stranger.startLogin(a, "/")).Get("state")
		stranger.get(a.srv.URL+"/callback?state="+state+"&error="+code, "text/html")
	}
	wantTally(t, "provider errors", obs.take(), map[string]int{"login_start ok ": 2,
		"login refused access_denied": 1, "login refused provider_error": 1})

	for _, c := range []struct {
		status int
		want   string
	}{{0, "refresh ok "}, {http.StatusServiceUnavailable, "refresh failed unavailable"}, {http.StatusBadRequest, "refresh refused invalid_grant"}} {
		op.Set(func(bh *oidctest.Behavior) { bh.TokenStatus = c.status })
		a.clock.advance(20 * time.Second) // due for refresh
		b.me(a)
		got := obs.take()
		if got[c.want] != 1 {
			t.Fatalf("refresh with /token answering %d: %v, want %q", c.status, got, c.want)
		}
		if e := last.get(); e.Kind != observe.Refresh || e.Duration <= 0 {
			t.Fatalf("refresh event %+v: no duration", e)
		}
	}
	op.Set(func(bh *oidctest.Behavior) { *bh = oidctest.Behavior{} })

	b.login(a, "alice")
	obs.take()
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	b.do(req)
	wantTally(t, "logout", obs.take(), map[string]int{"logout ok ": 1})

	b.login(a, "alice")
	obs.take()
	tok := op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: logoutClaims(op, nil)})
	postLogout(t, a, tok)
	if e := last.get(); e.Kind != observe.BackchannelLogout || e.Outcome != observe.OK || e.Count != 0 {
		t.Fatalf("back-channel logout: %+v, want OK, no count from the cookie store", e)
	}
	postLogout(t, a, tok)
	postLogout(t, a, "not-a-token")
	wantTally(t, "back-channel logouts", obs.take(), map[string]int{"backchannel_logout ok ": 1,
		"backchannel_logout refused replay": 1, "backchannel_logout refused invalid_token": 1})
}

// both hands each event to two Observers.
type both [2]observe.Observer

func (o both) Observe(ctx context.Context, e observe.Event) {
	o[0].Observe(ctx, e)
	o[1].Observe(ctx, e)
}

// With a store that counts them (Redis), a back-channel logout reports the
// sessions it ended; a store down is a failure.
func TestObserveBackchannelLogoutCount(t *testing.T) {
	srv := redistest.Start(t)
	op := oidctest.NewServer()
	defer op.Close()
	last := &lastEvent{}
	rs := newReplicas(t, op, srv.Addr, withObserver(last))
	a, one := rs.as(), rs.apps[0]
	newBrowser(t).login(a, "alice")
	newBrowser(t).login(a, "alice")
	hdr := map[string]any{"typ": "logout+jwt"}
	srv.Stop()
	if code, _ := postLogout(t, one, op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["jti"] = "down" })})); code != 503 {
		t.Fatalf("Redis stopped: %d", code)
	}
	if e := last.get(); e.Outcome != observe.Failed || e.Reason != "session_store" {
		t.Fatalf("Redis stopped: %+v", e)
	}
	srv.Restart()
	if code, _ := postLogout(t, one, op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, nil)})); code != 200 {
		t.Fatalf("logout by sub: %d", code)
	}
	if e := last.get(); e.Kind != observe.BackchannelLogout || e.Outcome != observe.OK || e.Count != 2 || e.Issuer != op.URL {
		t.Fatalf("logout by sub: %+v, want OK ending 2 sessions", e)
	}
}
