package promobserve_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/observe/promobserve"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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

// The figures a provider and a verifier report are read back from the
// registry: counts by kind, outcome, reason, issuer and cache, the issuer's
// usable keys, and the key-set fetch's duration.
func TestPrometheusFigures(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewPedanticRegistry()
		obs, err := promobserve.New(reg)
		if err != nil {
			t.Fatal(err)
		}
		p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{
			Issuer: op.URL,
			HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: delayed{
				before: func() { time.Sleep(250 * time.Millisecond) },
				next:   &http.Transport{DisableKeepAlives: true},
			}},
			Observer: obs,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, Observer: obs}, p)
		if err != nil {
			t.Fatal(err)
		}
		tok := op.AccessToken("alice", "api")
		for _, raw := range []string{tok, tok, op.AccessToken("alice", "another-api")} {
			v.Verify(t.Context(), raw)
		}
		iss := op.URL
		want := `
# HELP gatehouse_events_total What Gatehouse's components did: key-set fetches, token verifications, introspections, logins, ...
# TYPE gatehouse_events_total counter
gatehouse_events_total{cached="false",issuer="` + iss + `",kind="key_fetch",outcome="ok",reason=""} 1
gatehouse_events_total{cached="false",issuer="` + iss + `",kind="verify",outcome="ok",reason=""} 1
gatehouse_events_total{cached="true",issuer="` + iss + `",kind="verify",outcome="ok",reason=""} 1
gatehouse_events_total{cached="false",issuer="",kind="verify",outcome="refused",reason="audience"} 1
# HELP gatehouse_keys The usable keys of the issuer's key set at its last successful fetch.
# TYPE gatehouse_keys gauge
gatehouse_keys{issuer="` + iss + `"} 3
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "gatehouse_events_total", "gatehouse_keys"); err != nil {
			t.Error(err)
		}
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, f := range families {
			if f.GetName() != "gatehouse_duration_seconds" {
				continue
			}
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["kind"] == "key_fetch" {
					found = true
					if h := m.GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 0.25 || labels["outcome"] != "ok" || labels["issuer"] != iss {
						t.Errorf("key fetch duration: %v %v", labels, h)
					}
				}
			}
		}
		if !found {
			t.Error("no gatehouse_duration_seconds for the key fetch")
		}
	})
}

// A second Observer on one registry is refused with the registry's error,
// not a panic, and leaves the first one's metrics alone; nil means the
// default registry.
func TestPrometheusRegisterTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	obs, err := promobserve.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	var already prometheus.AlreadyRegisteredError
	if _, err := promobserve.New(reg); !errors.As(err, &already) {
		t.Fatalf("second New: %v", err)
	}
	obs.Observe(t.Context(), observe.Event{Kind: observe.Verify, Outcome: observe.OK})
	if n, err := testutil.GatherAndCount(reg, "gatehouse_events_total"); err != nil || n != 1 {
		t.Fatalf("after the refused second New: %d series, %v", n, err)
	}

	// A registry where the last metric is taken: nothing is left
	// registered, so New succeeds once it is free.
	taken := prometheus.NewRegistry()
	foreign := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gatehouse_keys",
		Help: "The usable keys of the issuer's key set at its last successful fetch."}, []string{"issuer"})
	taken.MustRegister(foreign)
	if _, err := promobserve.New(taken); err == nil {
		t.Fatal("New registered over a taken name")
	}
	taken.Unregister(foreign)
	if _, err := promobserve.New(taken); err != nil {
		t.Fatalf("a failed New left metrics registered: %v", err)
	}

	def := prometheus.NewRegistry()
	saved := prometheus.DefaultRegisterer
	prometheus.DefaultRegisterer = def
	t.Cleanup(func() { prometheus.DefaultRegisterer = saved })
	if obs, err = promobserve.New(nil); err != nil {
		t.Fatalf("default registry: %v", err)
	}
	obs.Observe(t.Context(), observe.Event{Kind: observe.Verify, Outcome: observe.OK})
	if n, err := testutil.GatherAndCount(def, "gatehouse_events_total"); err != nil || n != 1 {
		t.Fatalf("default registry: %d series, %v", n, err)
	}
}
