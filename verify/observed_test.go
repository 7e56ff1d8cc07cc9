package verify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu sync.Mutex
	ev []observe.Event
}

func (r *recorder) Observe(_ context.Context, e observe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev = append(r.ev, e)
}

// take returns the events of kind k so far and forgets them.
func (r *recorder) take(k observe.Kind) []observe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out, rest []observe.Event
	for _, e := range r.ev {
		if e.Kind == k {
			out = append(out, e)
		} else {
			rest = append(rest, e)
		}
	}
	r.ev = rest
	return out
}

// want fails unless got is exactly the events listed.
func want(t *testing.T, what string, got []observe.Event, events ...observe.Event) {
	t.Helper()
	if !slices.Equal(got, events) {
		t.Fatalf("%s: events\n%+v\nwant\n%+v", what, got, events)
	}
}

// delayed is an HTTP transport that calls before (a wait inside a synctest
// bubble) and then sends the request on to the real server.
type delayed struct {
	before func()
	next   http.RoundTripper
}

func (d delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	d.before()
	return d.next.RoundTrip(r)
}

// Every key-set fetch is reported with its duration and usable keys: the
// first, a periodic background refresh that fails (reported and logged,
// with no request in sight), and a key-miss fetch to a provider that is
// gone.
func TestObserveKeyFetches(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	synctest.Test(t, func(t *testing.T) {
		rec, logs := &recorder{}, &logBuffer{}
		p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{
			Issuer: op.URL,
			HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: delayed{
				before: func() { time.Sleep(250 * time.Millisecond) },
				next:   &http.Transport{DisableKeepAlives: true},
			}},
			KeyRefreshMin: time.Minute, KeyRefreshMax: time.Minute,
			Logger:   slog.New(slog.NewTextHandler(logs, nil)),
			Observer: rec,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		v := newVerifier(t, verify.Config{Audiences: []string{"api"}, Observer: rec}, p)
		if _, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil {
			t.Fatal(err)
		}
		ok := observe.Event{Kind: observe.KeyFetch, Outcome: observe.OK, Issuer: op.URL, Duration: 250 * time.Millisecond, Count: 3}
		want(t, "first fetch", rec.take(observe.KeyFetch), ok)
		// The first Verify waited for that fetch, and says so.
		if got := rec.take(observe.Verify); len(got) != 1 || got[0].Outcome != observe.OK || got[0].Duration < 250*time.Millisecond {
			t.Fatalf("the Verify that waited for the keys: %+v", got)
		}

		op.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusServiceUnavailable })
		time.Sleep(time.Minute + 250*time.Millisecond)
		synctest.Wait()
		failed := observe.Event{Kind: observe.KeyFetch, Outcome: observe.Failed, Reason: "status", Issuer: op.URL, Duration: 250 * time.Millisecond}
		want(t, "background refresh, JWKS 503", rec.take(observe.KeyFetch), failed)
		if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "reason=status") ||
			!strings.Contains(l, "jwks_uri="+op.URL+"/jwks") || !strings.Contains(l, "503") {
			t.Fatalf("the background failure is not logged: %q", l)
		}

		rotated := op.Sign(oidctest.Token{Header: map[string]any{"kid": "rotated-in"}, Claims: baseClaims(op)})
		op.Close()
		if _, err := v.Verify(t.Context(), rotated); !errors.Is(err, verify.ErrUnavailable) {
			t.Fatalf("unknown kid, provider gone: %v", err)
		}
		failed.Reason = "unreachable"
		want(t, "key-miss fetch, provider gone", rec.take(observe.KeyFetch), failed)
	})
}

// A key set that is not a JWK Set is a failed fetch, "refused", and logged.
func TestObserveKeyFetchRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"keys":"none"}`))
	}))
	defer srv.Close()
	rec, logs := &recorder{}, &logBuffer{}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{
		Issuer: srv.URL, Metadata: &verify.Metadata{JWKSURI: srv.URL + "/jwks"},
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Observer: rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v := newVerifier(t, verify.Config{Audiences: []string{"api"}}, p)
	op := oidctest.NewServer()
	defer op.Close()
	c := baseClaims(op)
	c["iss"] = srv.URL
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); !errors.Is(err, verify.ErrUnavailable) {
		t.Fatalf("no usable key set: %v", err)
	}
	got := rec.take(observe.KeyFetch)
	if len(got) == 0 {
		t.Fatal("no event")
	}
	e := got[0]
	if e.Outcome != observe.Failed || e.Reason != "refused" || e.Issuer != srv.URL || e.Count != 0 {
		t.Fatalf("event %+v", e)
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "reason=refused") {
		t.Fatalf("not logged: %q", l)
	}
}

// Each Verify reports its outcome: accepted (from the cache the second
// time), refused with the failed check, or failed when the keys cannot be
// had. A refused token's issuer is never reported, nor any part of a token.
func TestObserveVerify(t *testing.T) {
	rec := &recorder{}
	op, v := setup(t, verify.Config{Observer: rec})
	good := op.AccessToken("alice", "api")
	expired := baseClaims(op)
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	stranger := baseClaims(op)
	stranger["iss"] = "https://attacker.example"
	for _, c := range []struct {
		name, raw string
		outcome   observe.Outcome
		reason    string
		cached    bool
	}{
		{"accepted", good, observe.OK, "", false},
		{"accepted again", good, observe.OK, "", true},
		{"expired", op.Sign(oidctest.Token{Claims: expired}), observe.Refused, "expired", false},
		{"bad signature", corruptSig(op.AccessToken("alice", "api")), observe.Refused, "signature", false},
		{"other audience", op.AccessToken("alice", "other"), observe.Refused, "audience", false},
		{"untrusted issuer", op.Sign(oidctest.Token{Claims: stranger}), observe.Refused, "issuer", false},
		{"unknown kid", op.Sign(oidctest.Token{Header: map[string]any{"kid": "nobody"}, Claims: baseClaims(op)}), observe.Refused, "unknown_key", false},
		{"HMAC without a shared secret", op.Sign(oidctest.Token{Header: map[string]any{"alg": "HS256"}, Claims: baseClaims(op)}), observe.Refused, "algorithm", false},
		{"not a JWT", "not.a.jwt", observe.Refused, "malformed", false},
	} {
		_, err := v.Verify(t.Context(), c.raw)
		if (err == nil) != (c.outcome == observe.OK) {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := rec.take(observe.Verify)
		if len(got) != 1 {
			t.Fatalf("%s: %d events", c.name, len(got))
		}
		e := got[0]
		issuer := ""
		if c.outcome == observe.OK {
			issuer = op.URL
		}
		if e.Outcome != c.outcome || e.Reason != c.reason || e.Cached != c.cached || e.Issuer != issuer || e.Count != 0 {
			t.Errorf("%s: event %+v, want %s %q cached=%v issuer %q", c.name, e, c.outcome, c.reason, c.cached, issuer)
		}
		if s := fmt.Sprint(e); strings.Contains(s, c.raw) {
			t.Errorf("%s: the event holds the token: %s", c.name, s)
		}
	}
	// A cached token that has expired since is refused from the cache.
	clk := &clock{now: time.Now()}
	op2, cv := setup(t, verify.Config{Observer: rec, Now: clk.Now, Leeway: -1})
	short := baseClaims(op2)
	short["iat"], short["exp"] = clk.now.Unix(), clk.now.Add(time.Minute).Unix() // no leeway: iat not after the clock
	raw := op2.Sign(oidctest.Token{Claims: short})
	cv.Verify(t.Context(), raw)
	clk.advance(2 * time.Minute)
	cv.Verify(t.Context(), raw)
	got := rec.take(observe.Verify)
	for i := range got {
		got[i].Duration = 0 // measured on the wall clock here
	}
	want(t, "accepted, then expired in the cache", got,
		observe.Event{Kind: observe.Verify, Outcome: observe.OK, Issuer: op2.URL},
		observe.Event{Kind: observe.Verify, Outcome: observe.Refused, Reason: "expired", Cached: true})

	type app struct{ Email string }
	if _, _, err := verify.VerifyInto[app](t.Context(), v, good); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(observe.Verify); len(got) != 1 || got[0].Outcome != observe.OK {
		t.Fatalf("VerifyInto: %+v", got)
	}

	down := oidctest.NewServer()
	defer down.Close()
	down.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusServiceUnavailable })
	p, err := verify.Discover(t.Context(), down.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dv := newVerifier(t, verify.Config{Audiences: []string{"api"}, Observer: rec}, p)
	if _, err := dv.Verify(t.Context(), down.AccessToken("alice", "api")); !errors.Is(err, verify.ErrUnavailable) {
		t.Fatal(err)
	}
	if got := rec.take(observe.Verify); len(got) != 1 || got[0].Outcome != observe.Failed || got[0].Reason != "unavailable" || got[0].Issuer != "" {
		t.Fatalf("keys unavailable: %+v", got)
	}
}

// Each introspection answer is reported: a call with its duration (one for
// callers sharing it), a cached answer, a refusal, an endpoint down.
func TestObserveIntrospection(t *testing.T) {
	rec := &recorder{}
	clk := &clock{now: time.Now()} // synctest's clock starts in 2000: the checks use the real one
	var before func()
	op, in := introspection(t, func(c *verify.IntrospectionConfig) {
		c.Observer, c.Now = rec, clk.Now
		c.HTTPClient = &http.Client{Transport: delayed{before: func() { before() }, next: &http.Transport{DisableKeepAlives: true}}}
	})
	raw := clientToken(t, op, "", "")
	synctest.Test(t, func(t *testing.T) {
		before = func() { time.Sleep(100 * time.Millisecond) }
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := in.Verify(t.Context(), raw); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ok := observe.Event{Kind: observe.Introspect, Outcome: observe.OK, Issuer: op.URL, Duration: 100 * time.Millisecond}
		want(t, "five callers, one call", rec.take(observe.Introspect), ok)
		in.Verify(t.Context(), raw)
		want(t, "cached", rec.take(observe.Introspect), observe.Event{Kind: observe.Introspect, Outcome: observe.OK, Issuer: op.URL, Cached: true})

		refused := observe.Event{Kind: observe.Introspect, Outcome: observe.Refused, Reason: "inactive", Issuer: op.URL, Duration: 100 * time.Millisecond}
		in.Verify(t.Context(), "unknown")
		in.Verify(t.Context(), "unknown")
		cachedRefusal := refused
		cachedRefusal.Duration, cachedRefusal.Cached = 0, true
		want(t, "inactive, then cached", rec.take(observe.Introspect), refused, cachedRefusal)

		in.Verify(t.Context(), "")
		want(t, "empty token", rec.take(observe.Introspect), observe.Event{Kind: observe.Introspect, Outcome: observe.Refused, Reason: "malformed", Issuer: op.URL})

		op.Set(func(b *oidctest.Behavior) { b.IntrospectionStatus = http.StatusInternalServerError })
		if _, err := in.Verify(t.Context(), "another"); !errors.Is(err, verify.ErrUnavailable) {
			t.Fatal(err)
		}
		want(t, "endpoint down", rec.take(observe.Introspect), observe.Event{Kind: observe.Introspect, Outcome: observe.Failed, Reason: "unavailable", Issuer: op.URL, Duration: 100 * time.Millisecond})
	})
}

// An Observer adds no allocation to the warm (cached) Verify.
func TestObserveVerifyAllocatesNothing(t *testing.T) {
	allocs := func(obs observe.Observer) float64 {
		op, v := setup(t, verify.Config{Observer: obs})
		raw := op.AccessToken("alice", "api")
		ctx := t.Context()
		return testing.AllocsPerRun(100, func() { v.Verify(ctx, raw) })
	}
	if none, with := allocs(nil), allocs(&counter{}); with != none {
		t.Fatalf("warm Verify: %v allocations with an Observer, %v without", with, none)
	}
}
