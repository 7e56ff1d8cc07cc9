package verify_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// clock is an injected clock for the cache tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// calls asserts how many introspection requests the provider has seen.
func calls(t *testing.T, op *oidctest.Server, want int) {
	t.Helper()
	if got := op.Count("introspection"); got != want {
		t.Fatalf("%d introspection calls, want %d", got, want)
	}
}

func TestIntrospectionCacheEntryNeverOutlivesExp(t *testing.T) {
	clk := &clock{}
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.Now, c.Leeway = clk.Now, -1 })
	raw := clientToken(t, op, "", "")
	clk.now = time.Now().Add(time.Second) // after the token's iat, without leeway
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionClaims = map[string]any{"exp": clk.Now().Add(30 * time.Second).Unix()}
	})
	for range 3 {
		if _, err := in.Verify(t.Context(), raw); err != nil {
			t.Fatal(err)
		}
	}
	calls(t, op, 1)
	clk.advance(29 * time.Second)
	if _, err := in.Verify(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	calls(t, op, 1)
	// Past exp (well within the 2-minute CacheTTL) the entry is gone: the
	// server is asked again, and its answer is now expired.
	clk.advance(2 * time.Second)
	if _, err := in.Verify(t.Context(), raw); !errors.Is(err, verify.ErrExpired) {
		t.Fatalf("past exp: %v", err)
	}
	calls(t, op, 2)
}

func TestIntrospectionCacheTTL(t *testing.T) {
	clk := &clock{now: time.Now()}
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.Now = clk.Now })
	raw := clientToken(t, op, "", "") // lives an hour
	in.Verify(t.Context(), raw)
	clk.advance(2*time.Minute - time.Second)
	in.Verify(t.Context(), raw)
	calls(t, op, 1)
	clk.advance(2 * time.Second) // the default CacheTTL, 2 minutes, has passed
	if _, err := in.Verify(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	calls(t, op, 2)

	op2, short := introspection(t, func(c *verify.IntrospectionConfig) { c.Now, c.CacheTTL = clk.Now, 10*time.Second })
	raw = clientToken(t, op2, "", "")
	short.Verify(t.Context(), raw)
	clk.advance(11 * time.Second)
	short.Verify(t.Context(), raw)
	calls(t, op2, 2)

	op3, off := introspection(t, func(c *verify.IntrospectionConfig) { c.CacheTTL = -1 })
	raw = clientToken(t, op3, "", "")
	off.Verify(t.Context(), raw)
	off.Verify(t.Context(), raw)
	calls(t, op3, 2)
}

func TestIntrospectionNegativeCache(t *testing.T) {
	clk := &clock{now: time.Now()}
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.Now = clk.Now })
	for range 3 {
		if _, err := in.Verify(t.Context(), "unknown"); !errors.Is(err, verify.ErrInvalid) {
			t.Fatal(err)
		}
	}
	calls(t, op, 1)
	clk.advance(9 * time.Second)
	in.Verify(t.Context(), "unknown")
	calls(t, op, 1)
	clk.advance(2 * time.Second) // the default NegativeCacheTTL, 10 s, has passed
	in.Verify(t.Context(), "unknown")
	calls(t, op, 2)

	op2, off := introspection(t, func(c *verify.IntrospectionConfig) { c.NegativeCacheTTL = -1 })
	off.Verify(t.Context(), "unknown")
	off.Verify(t.Context(), "unknown")
	calls(t, op2, 2)
}

// gate is an HTTP transport that counts requests and holds each one until
// released, then sends it on to the real server.
type gate struct {
	n       atomic.Int32
	release chan struct{}
	next    http.RoundTripper
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.n.Add(1)
	<-g.release
	return g.next.RoundTrip(r)
}

// N concurrent requests for one token cost one introspection call.
func TestIntrospectionSingleFlight(t *testing.T) {
	g := &gate{next: &http.Transport{DisableKeepAlives: true}}
	// synctest's clock starts in 2000: the checks use the real one.
	clk := &clock{now: time.Now()}
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.HTTPClient, c.Now = &http.Client{Transport: g}, clk.Now })
	raw := clientToken(t, op, "", "read")
	synctest.Test(t, func(t *testing.T) {
		g.release = make(chan struct{})
		const n = 50
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if tok, err := in.Verify(t.Context(), raw); err == nil && tok.HasScope("read") {
					ok.Add(1)
				}
			})
		}
		synctest.Wait() // every caller is waiting: one at the gate, the rest on it
		if g.n.Load() != 1 {
			t.Fatalf("%d requests started for one token", g.n.Load())
		}
		close(g.release)
		wg.Wait()
		if ok.Load() != n {
			t.Fatalf("%d of %d callers got the token", ok.Load(), n)
		}
	})
	calls(t, op, 1)
}

// A caller whose context ends stops waiting (ErrUnavailable); the shared
// call goes on for the others.
func TestIntrospectionCallerGivesUp(t *testing.T) {
	g := &gate{next: &http.Transport{DisableKeepAlives: true}}
	// synctest's clock starts in 2000: the checks use the real one.
	clk := &clock{now: time.Now()}
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.HTTPClient, c.Now = &http.Client{Transport: g}, clk.Now })
	raw := clientToken(t, op, "", "")
	synctest.Test(t, func(t *testing.T) {
		g.release = make(chan struct{})
		ctx := t.Context()
		c, cancel := context.WithCancel(ctx)
		first := make(chan error, 1)
		go func() { _, err := in.Verify(c, raw); first <- err }()
		synctest.Wait()
		cancel()
		if err := <-first; !errors.Is(err, verify.ErrUnavailable) {
			t.Fatalf("abandoned caller: %v", err)
		}
		second := make(chan error, 1)
		go func() { _, err := in.Verify(ctx, raw); second <- err }()
		synctest.Wait()
		close(g.release)
		if err := <-second; err != nil {
			t.Fatalf("second caller: %v", err)
		}
	})
	calls(t, op, 1)
}

func TestEither(t *testing.T) {
	op, in := introspection(t, nil)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	jv, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.Either(jv, in)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil || tok.Algorithm != "RS256" {
		t.Fatalf("JWT: %+v %v", tok, err)
	}
	// A JWT that fails locally is refused, not introspected.
	if _, err := v.Verify(t.Context(), op.AccessToken("alice", "other")); !errors.Is(err, verify.ErrInvalid) {
		t.Fatalf("bad JWT: %v", err)
	}
	calls(t, op, 0)
	if tok, err := v.Verify(t.Context(), clientToken(t, op, "", "")); err != nil || tok.Algorithm != "" {
		t.Fatalf("opaque: %+v %v", tok, err)
	}
	calls(t, op, 1)
	if _, err := verify.Either(jv, nil); err == nil {
		t.Fatal("Either accepted nil")
	}
}

// BenchmarkIntrospectionCacheHit: a token seen before costs a hash, a
// lookup and a copy of the Token. Besides the mean (ns/op) it reports the
// median of batches of 256 hits (ns/hit-median): on a shared host a
// preemption lands in a batch now and then and would swamp the mean.
func BenchmarkIntrospectionCacheHit(b *testing.B) {
	op, in := introspection(b, nil)
	raw := clientToken(b, op, "", "read")
	if _, err := in.Verify(b.Context(), raw); err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	const batch = 256
	var perHit []time.Duration
	b.ReportAllocs()
	n := 0
	t0 := time.Now()
	for b.Loop() {
		if _, err := in.Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
		if n++; n%batch == 0 {
			perHit = append(perHit, time.Since(t0)/batch)
			t0 = time.Now()
		}
	}
	if len(perHit) > 0 {
		b.ReportMetric(float64(median(perHit).Nanoseconds()), "ns/hit-median")
	}
	if op.Count("introspection") != 1 {
		b.Fatalf("%d introspection calls", op.Count("introspection"))
	}
}
