package otelobserve_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/observe/otelobserve"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkVerifyWarm is a cached Verify with no Observer and with the
// OpenTelemetry one on the SDK (a manual metric reader; spans sampled
// always, or never as a production sampler mostly decides).
func BenchmarkVerifyWarm(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.NewProvider(b.Context(), verify.ProviderConfig{Issuer: op.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	raw := op.AccessToken("alice", "api")
	for _, c := range []struct {
		name    string
		sampler sdktrace.Sampler // nil: no Observer
	}{{"none", nil}, {"otel-sampled", sdktrace.AlwaysSample()}, {"otel-unsampled", sdktrace.NeverSample()}} {
		b.Run(c.name, func(b *testing.B) {
			var obs observe.Observer
			if c.sampler != nil {
				tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(c.sampler))
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				if obs, err = otelobserve.New(tp, mp); err != nil {
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
