package bench_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Every contender accepts the valid tokens and refuses bad ones, so the
// benchmarks compare verifiers that really verify. skips lists the checks a
// contender is known not to make (floorparse, by design, checks only the
// signature, exp, iss and aud).
func TestContendersAgree(t *testing.T) {
	f := setup()
	now := time.Now()
	bad := map[string]func(alg string) string{
		"tampered payload": func(alg string) string {
			parts := strings.Split(f.tokens[alg], ".")
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			p = []byte(strings.Replace(string(p), `"alice"`, `"admin"`, 1))
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
		},
		"wrong aud": func(alg string) string { return f.sign(alg, map[string]any{"aud": "other"}) },
		"wrong iss": func(alg string) string { return f.sign(alg, map[string]any{"iss": "https://evil.example"}) },
		"expired": func(alg string) string {
			return f.sign(alg, map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix()})
		},
		"nbf in an hour": func(alg string) string { return f.sign(alg, map[string]any{"nbf": now.Add(time.Hour).Unix()}) },
	}
	skips := map[string]bool{"floorparse/nbf in an hour": true}
	for _, c := range f.contends {
		for _, alg := range algs {
			if err := c.verify(alg, f.tokens[alg]); err != nil {
				t.Errorf("%s refuses the valid %s token: %v", c.name, alg, err)
			}
			if c.name == "floor" {
				continue // verifies a prepared signature, not the token
			}
			for name, mk := range bad {
				raw := mk(alg)
				if c.name == "gatehouse-warm" {
					// A bad token must not pass after a good one primed the cache.
					_ = c.verify(alg, f.tokens[alg])
				}
				err := c.verify(alg, raw)
				t.Logf("%s/%s, %s: %v", c.name, alg, name, err)
				switch {
				case err == nil && !skips[c.name+"/"+name]:
					t.Errorf("%s accepts a %s token (%s)", c.name, name, alg)
				case err != nil && skips[c.name+"/"+name]:
					t.Errorf("%s now refuses a %s token (%s): update skips", c.name, name, alg)
				}
			}
		}
	}
}

// BenchmarkVerify runs every contender on the same tokens.
func BenchmarkVerify(b *testing.B) {
	f := setup()
	for _, c := range f.contends {
		for _, alg := range algs {
			raw := f.tokens[alg]
			b.Run(c.name+"/"+alg, func(b *testing.B) {
				if err := c.verify(alg, raw); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := c.verify(alg, raw); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDistinctTokens sends 10 000 different valid ES256 tokens round
// robin through a Verifier with its cache on: with the default 4 096
// entries (so nearly every request misses: the cache's cost when tokens
// rarely repeat) and with 16 384 (every token hits). One round runs before
// the clock starts, so both show the steady state.
// Compare with BenchmarkVerify/gatehouse/ES256 (cache off).
func BenchmarkDistinctTokens(b *testing.B) {
	f := setup()
	tokens := make([]string, 10000)
	for i := range tokens {
		tokens[i] = f.sign("ES256", map[string]any{"jti": fmt.Sprint("t", i)})
	}
	p, err := verify.Discover(context.Background(), f.op.URL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, size := range []int{0, 16384} {
		name := "cache=4096"
		if size > 0 {
			name = fmt.Sprint("cache=", size)
		}
		b.Run(name, func(b *testing.B) {
			v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, CacheSize: size}, p)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for _, raw := range tokens { // one round first: the steady state
				if _, err := v.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := v.Verify(ctx, tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkBearerOverhead is bearer.Protect (verified-token cache warm)
// around an empty handler, against the bare handler: the cost the middleware
// adds to a request that carries a token it has seen before.
func BenchmarkBearerOverhead(b *testing.B) {
	f := setup()
	p, err := verify.Discover(context.Background(), f.op.URL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		b.Fatal(err)
	}
	empty := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", empty}, {"bearer", bearer.Protect(v)(empty)}} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/me", nil)
			r.Header.Set("Authorization", "Bearer "+f.tokens["ES256"])
			w := &discard{h: http.Header{}}
			c.h.ServeHTTP(w, r)
			if w.status != http.StatusNoContent {
				b.Fatalf("status %d", w.status)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, r)
			}
		})
	}
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }
