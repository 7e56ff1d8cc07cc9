package middleware_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
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
