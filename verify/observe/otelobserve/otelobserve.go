// Package otelobserve reports Gatehouse's events to OpenTelemetry: metrics
// and one span per event. It is a module of its own, so that the core of
// Gatehouse depends on no telemetry library.
//
//	obs, err := otelobserve.New(nil, nil) // the global providers
//	p, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: issuer, Observer: obs})
//	v, err := verify.NewVerifier(verify.Config{Audiences: aud, Observer: obs}, p)
package otelobserve

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// scope names the instrumentation scope of the tracer and the meter.
const scope = "github.com/gatehouse-go/gatehouse/verify/observe/otelobserve"

// buckets are the duration histogram's boundaries, in seconds: from a
// cached verification (well under 100 µs) to a provider's timeout (10 s).
var buckets = []float64{0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New returns an Observer that records every observe.Event with tp and mp
// (nil: the global providers, otel.GetTracerProvider and
// otel.GetMeterProvider):
//
//   - gatehouse.events, a counter of events (observable: counted by the
//     Observer, read by the SDK when it collects), with the attributes
//     gatehouse.kind, gatehouse.outcome, gatehouse.cached, and
//     gatehouse.reason and gatehouse.issuer when the event has them;
//   - gatehouse.duration, a histogram of the events' Durations in seconds,
//     with the same attributes but gatehouse.reason;
//   - gatehouse.keys, a gauge: the usable keys of each issuer's last
//     successful key-set fetch, with gatehouse.issuer;
//   - one span per event, named "gatehouse." and the kind
//     ("gatehouse.verify"), a child of the span in the context the
//     component was called with, ending when it is reported and starting
//     Duration earlier, with the counter's attributes and status Error when
//     the outcome is Failed.
//
// A Cached event (a verified-token cache hit, a cached introspection
// answer) is a lookup on the hot path, not an operation: it is counted in
// gatehouse.events only, with no duration and no span. Events without a
// Duration have no duration either.
func New(tp trace.TracerProvider, mp metric.MeterProvider) (observe.Observer, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(scope)
	o := &observer{tracer: tp.Tracer(scope)}
	events, err := m.Int64ObservableCounter("gatehouse.events", metric.WithUnit("{event}"),
		metric.WithDescription("What Gatehouse's components did: key-set fetches, token verifications, introspections, logins, …"))
	if err != nil {
		return nil, err
	}
	// Events are counted here, one atomic add each, and handed to the SDK
	// when it collects: a synchronous counter would cost the hot path an
	// attribute-set lookup inside the SDK per cached verification.
	if _, err = m.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		o.labels.Range(func(_, v any) bool {
			l := v.(*labelSet)
			ob.ObserveInt64(events, l.n.Load(), l.events...)
			return true
		})
		return nil
	}, events); err != nil {
		return nil, err
	}
	if o.duration, err = m.Float64Histogram("gatehouse.duration", metric.WithUnit("s"),
		metric.WithDescription("How long each reported operation took, waits for the provider included."),
		metric.WithExplicitBucketBoundaries(buckets...)); err != nil {
		return nil, err
	}
	if o.keys, err = m.Int64Gauge("gatehouse.keys", metric.WithUnit("{key}"),
		metric.WithDescription("The usable keys of the issuer's key set at its last successful fetch.")); err != nil {
		return nil, err
	}
	return o, nil
}

type observer struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	keys     metric.Int64Gauge
	labels   sync.Map                 // label (an Event) → *labelSet
	last     atomic.Pointer[labelSet] // the set used last: most events are of one label
}

// labelSet is one label's attributes, built once, in the option slices the
// instruments take (so that a measurement allocates nothing).
type labelSet struct {
	label    observe.Event
	n        atomic.Int64 // events so far
	name     string       // span name
	events   []metric.ObserveOption
	duration []metric.RecordOption
	keys     []metric.RecordOption
	span     trace.SpanStartEventOption
}

func (o *observer) Observe(ctx context.Context, e observe.Event) {
	l := o.labelSet(e)
	l.n.Add(1)
	if e.Cached {
		return // a lookup, on the hot path: counted only
	}
	if e.Duration > 0 {
		o.duration.Record(ctx, e.Duration.Seconds(), l.duration...)
	}
	if e.Kind == observe.KeyFetch && e.Outcome == observe.OK {
		o.keys.Record(ctx, int64(e.Count), l.keys...)
	}
	end := time.Now()
	_, span := o.tracer.Start(ctx, l.name, trace.WithTimestamp(end.Add(-e.Duration)), l.span)
	if e.Outcome == observe.Failed {
		span.SetStatus(codes.Error, e.Reason)
	}
	span.End(trace.WithTimestamp(end))
}

// labelSet returns the attributes of k, built on first use.
func (o *observer) labelSet(e observe.Event) *labelSet {
	k := e
	k.Duration, k.Count = 0, 0 // the label: the fields from bounded sets
	if l := o.last.Load(); l != nil && l.label == k {
		return l
	}
	if l, ok := o.labels.Load(k); ok {
		o.last.Store(l.(*labelSet))
		return l.(*labelSet)
	}
	base := []attribute.KeyValue{
		attribute.String("gatehouse.kind", string(k.Kind)),
		attribute.String("gatehouse.outcome", string(k.Outcome)),
		attribute.Bool("gatehouse.cached", k.Cached),
	}
	issuer := attribute.String("gatehouse.issuer", k.Issuer)
	if k.Issuer != "" {
		base = append(base, issuer)
	}
	all := base
	if k.Reason != "" {
		all = append(all[:len(all):len(all)], attribute.String("gatehouse.reason", k.Reason))
	}
	l := &labelSet{
		label:    k,
		name:     "gatehouse." + string(k.Kind),
		events:   []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(all...))},
		duration: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(base...))},
		keys:     []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(issuer))},
		span:     trace.WithAttributes(all...),
	}
	v, _ := o.labels.LoadOrStore(k, l)
	return v.(*labelSet)
}
