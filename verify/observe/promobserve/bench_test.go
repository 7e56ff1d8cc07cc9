package promobserve_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/observe/promobserve"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkVerifyWarm is a cached Verify with no Observer and with the
// Prometheus one.
func BenchmarkVerifyWarm(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.NewProvider(b.Context(), verify.ProviderConfig{Issuer: op.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	raw := op.AccessToken("alice", "api")
	for _, prom := range []bool{false, true} {
		name := "none"
		if prom {
			name = "prometheus"
		}
		b.Run(name, func(b *testing.B) {
			var obs observe.Observer
			if prom {
				if obs, err = promobserve.New(prometheus.NewRegistry()); err != nil {
					b.Fatal(err)
				}
			}
			v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, Observer: obs}, p)
			if err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			v.Verify(ctx, raw)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
