package otelobserve_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/observe/otelobserve"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// delayed is an HTTP transport that calls before (a wait inside the
// synctest bubble) and then sends the request on to the real server.
type delayed struct {
	before func()
	next   http.RoundTripper
}

func (d delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	d.before()
	return d.next.RoundTrip(r)
}

// telemetry is an SDK meter and tracer provider whose figures the test
// reads back.
type telemetry struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	obs    observe.Observer
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	var err error
	if tel.obs, err = otelobserve.New(tel.tp, sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))); err != nil {
		t.Fatal(err)
	}
	return tel
}

// observed returns a verifier for audience "api" of the provider cfg
// configures, both reporting to obs.
func observed(t *testing.T, cfg verify.ProviderConfig, obs observe.Observer) *verify.Verifier {
	t.Helper()
	cfg.Observer = obs
	p, err := verify.NewProvider(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, Observer: obs}, p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// attrs renders an attribute set as "k=v,k=v", sorted by key.
func attrs(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

// metrics returns each instrument's data points as attributes → value (a
// histogram's: its count and sum, as "count sum").
func (tel *telemetry) metrics(t *testing.T) map[string]map[string]any {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			points := map[string]any{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					points[attrs(p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					points[attrs(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					points[attrs(p.Attributes)] = [2]float64{float64(p.Count), p.Sum}
				}
			}
			out[m.Name] = points
		}
	}
	return out
}

// The figures a provider and a verifier report come back out of the SDK:
// counts by kind, outcome, reason and issuer, the key-set fetch's duration
// and key count, and one span per event but the cache hit, under the
// caller's span.
func TestOTelFigures(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		v := observed(t, verify.ProviderConfig{Issuer: op.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: delayed{
			before: func() { time.Sleep(250 * time.Millisecond) },
			next:   &http.Transport{DisableKeepAlives: true},
		}}}, tel.obs)
		ctx, request := tel.tp.Tracer("test").Start(t.Context(), "request")
		tok := op.AccessToken("alice", "api")
		for _, raw := range []string{tok, tok, op.AccessToken("alice", "another-api")} {
			v.Verify(ctx, raw)
		}
		request.End()

		iss := "gatehouse.issuer=" + op.URL
		m := tel.metrics(t)
		wantPoints(t, "gatehouse.events", m, map[string]any{
			"gatehouse.cached=false," + iss + ",gatehouse.kind=key_fetch,gatehouse.outcome=ok":                 int64(1),
			"gatehouse.cached=false," + iss + ",gatehouse.kind=verify,gatehouse.outcome=ok":                    int64(1),
			"gatehouse.cached=true," + iss + ",gatehouse.kind=verify,gatehouse.outcome=ok":                     int64(1),
			"gatehouse.cached=false,gatehouse.kind=verify,gatehouse.outcome=refused,gatehouse.reason=audience": int64(1),
		})
		wantPoints(t, "gatehouse.keys", m, map[string]any{iss: int64(3)})
		// The key fetch took 250 ms; the first Verify waited for it (and
		// started a nanosecond before it); the cached one has no duration,
		// and the refused one took no time in the bubble.
		d := m["gatehouse.duration"]
		if len(d) != 2 || d["gatehouse.cached=false,"+iss+",gatehouse.kind=key_fetch,gatehouse.outcome=ok"] != [2]float64{1, 0.25} {
			t.Errorf("gatehouse.duration: %v", d)
		}
		if c := d["gatehouse.cached=false,"+iss+",gatehouse.kind=verify,gatehouse.outcome=ok"].([2]float64); c[0] != 1 || c[1] < 0.25 || c[1] > 0.251 {
			t.Errorf("gatehouse.duration of the first Verify: %v", c)
		}

		var verifies int
		for _, s := range tel.spans.Ended() {
			switch s.Name() {
			case "gatehouse.key_fetch":
				if d := s.EndTime().Sub(s.StartTime()); d != 250*time.Millisecond || s.Status().Code != codes.Unset {
					t.Errorf("key fetch span: %v, status %v", d, s.Status())
				}
			case "gatehouse.verify":
				verifies++
				if s.Parent().SpanID() != request.SpanContext().SpanID() {
					t.Errorf("verify span %v is not a child of the request's span", s.Parent().SpanID())
				}
			}
		}
		if verifies != 2 { // a cache hit is counted, but has no span
			t.Errorf("%d verify spans, want 2", verifies)
		}
	})
}

// A failure is a span with status Error and the reason, and a failed
// count; a provider that cannot be reached never reports its keys.
func TestOTelFailureIsAnErrorSpan(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusServiceUnavailable })
	tel := newTelemetry(t)
	v := observed(t, verify.ProviderConfig{Issuer: op.URL}, tel.obs)
	if _, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); !errors.Is(err, verify.ErrUnavailable) {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, s := range tel.spans.Ended() {
		status[s.Name()] = s.Status().Code.String() + " " + s.Status().Description
	}
	if status["gatehouse.key_fetch"] != "Error status" || status["gatehouse.verify"] != "Error unavailable" {
		t.Fatalf("span statuses %v", status)
	}
	m := tel.metrics(t)
	if _, ok := m["gatehouse.keys"]; ok && len(m["gatehouse.keys"]) > 0 {
		t.Errorf("keys reported for a failed fetch: %v", m["gatehouse.keys"])
	}
	var failed int64
	for k, v := range m["gatehouse.events"] {
		if strings.Contains(k, "gatehouse.outcome=failed") {
			failed += v.(int64)
		}
	}
	if failed < 2 {
		t.Errorf("failed events: %v", m["gatehouse.events"])
	}
}

func wantPoints(t *testing.T, name string, m map[string]map[string]any, want map[string]any) {
	t.Helper()
	got := m[name]
	if len(got) != len(want) {
		t.Errorf("%s: %d series %v, want %d %v", name, len(got), got, len(want), want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s{%s} = %v, want %v", name, k, got[k], w)
		}
	}
}
