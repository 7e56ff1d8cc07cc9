// Package promobserve reports Gatehouse's events as Prometheus metrics. It
// is a module of its own, so that the core of Gatehouse depends on no
// telemetry library.
//
//	obs, err := promobserve.New(nil) // prometheus.DefaultRegisterer
//	p, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: issuer, Observer: obs})
//	v, err := verify.NewVerifier(verify.Config{Audiences: aud, Observer: obs}, p)
package promobserve

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/prometheus/client_golang/prometheus"
)

// buckets are the duration histogram's boundaries, in seconds: from a
// cached verification (well under 100 µs) to a provider's timeout (10 s).
var buckets = []float64{0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New registers Gatehouse's metrics with reg (nil:
// prometheus.DefaultRegisterer) and returns an Observer that updates them:
//
//   - gatehouse_events_total{kind, outcome, reason, issuer, cached}: every
//     observe.Event (reason and issuer empty when the event has none,
//     cached "true" or "false");
//   - gatehouse_duration_seconds{kind, outcome, issuer, cached}: a
//     histogram of the events' Durations (events without one are left
//     out);
//   - gatehouse_keys{issuer}: the usable keys of each issuer's last
//     successful key-set fetch.
//
// Registering twice with one Registerer fails (prometheus.AlreadyRegisteredError)
// and registers nothing: make one Observer and set it in every component.
func New(reg prometheus.Registerer) (observe.Observer, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	o := &observer{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_events_total",
			Help: "What Gatehouse's components did: key-set fetches, token verifications, introspections, logins, ...",
		}, []string{"kind", "outcome", "reason", "issuer", "cached"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_duration_seconds",
			Help:    "How long each reported operation took, waits for the provider included.",
			Buckets: buckets,
		}, []string{"kind", "outcome", "issuer", "cached"}),
		keys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gatehouse_keys",
			Help: "The usable keys of the issuer's key set at its last successful fetch.",
		}, []string{"issuer"}),
	}
	all := []prometheus.Collector{o.events, o.duration, o.keys}
	for i, c := range all {
		if err := reg.Register(c); err != nil {
			for _, done := range all[:i] {
				reg.Unregister(done)
			}
			return nil, err
		}
	}
	return o, nil
}

type observer struct {
	events   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	keys     *prometheus.GaugeVec
	series   sync.Map               // label (an Event) → *series
	last     atomic.Pointer[series] // the series used last: most events are of one label
}

// series is one label's counter and histogram, resolved once: the vectors'
// WithLabelValues hashes and checks every value on each call, and even the
// sync.Map lookup costs a cached verification more than comparing with the
// last label used.
type series struct {
	label    observe.Event
	events   prometheus.Counter
	duration prometheus.Observer
}

func (o *observer) Observe(_ context.Context, e observe.Event) {
	s := o.seriesOf(e)
	s.events.Inc()
	if e.Duration > 0 {
		s.duration.Observe(e.Duration.Seconds())
	}
	if e.Kind == observe.KeyFetch && e.Outcome == observe.OK {
		o.keys.WithLabelValues(e.Issuer).Set(float64(e.Count))
	}
}

// seriesOf returns the series of k, resolved on first use.
func (o *observer) seriesOf(e observe.Event) *series {
	k := e
	k.Duration, k.Count = 0, 0 // the label: the fields from bounded sets
	if s := o.last.Load(); s != nil && s.label == k {
		return s
	}
	if s, ok := o.series.Load(k); ok {
		o.last.Store(s.(*series))
		return s.(*series)
	}
	cached := strconv.FormatBool(k.Cached)
	s := &series{
		label:    k,
		events:   o.events.WithLabelValues(string(k.Kind), string(k.Outcome), k.Reason, k.Issuer, cached),
		duration: o.duration.WithLabelValues(string(k.Kind), string(k.Outcome), k.Issuer, cached),
	}
	v, _ := o.series.LoadOrStore(k, s)
	return v.(*series)
}
