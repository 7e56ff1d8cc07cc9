package verify

import (
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

type countingTransport struct {
	n atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// Discovery and the first verification against a provider cost two round
// trips: the discovery document and the key set, nothing else.
func TestStartupRoundTrips(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	ct := &countingTransport{}
	p, err := Discover(t.Context(), op.URL, &http.Client{Transport: ct})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, err := NewVerifier(Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil {
		t.Fatal(err)
	}
	if n := ct.n.Load(); n != 2 {
		t.Errorf("Discover and the first Verify made %d requests, want 2", n)
	}
}

// gatehouseGoroutines counts the goroutines running Gatehouse's or its key
// cache's code.
func gatehouseGoroutines() int {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	n := 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "lestrrat-go/httprc") || strings.Contains(g, "gatehouse/verify.") && !strings.Contains(g, "_test.go") {
			n++
		}
	}
	return n
}

// A Provider runs its key-set refresher and nothing else: httprc's
// controller, one fetch worker (the default is five) and the relay of its
// error sink, six goroutines in all; a Verifier adds none; Close ends them
// all.
func TestGoroutinesPerProviderAndVerifier(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	base := gatehouseGoroutines()
	p, err := Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := NewVerifier(Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil {
		t.Fatal(err)
	}
	perProvider := gatehouseGoroutines() - base
	if perProvider > 6 {
		t.Errorf("one provider runs %d goroutines, want at most 6 (the key-set refresher)", perProvider)
	}
	for range 5 {
		v, err := NewVerifier(Config{Audiences: []string{"api"}}, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(t.Context(), op.AccessToken("bob", "api")); err != nil {
			t.Fatal(err)
		}
	}
	if n := gatehouseGoroutines() - base; n != perProvider {
		t.Errorf("five more verifiers: %d goroutines, want %d (none per verifier)", n, perProvider)
	}
	p.Close()
	for range 1000 {
		if gatehouseGoroutines() == base {
			return
		}
		runtime.Gosched()
	}
	t.Errorf("after Close, %d goroutines remain", gatehouseGoroutines()-base)
}
