package verify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/lestrrat-go/httprc/v3"
)

// fetchReport reports every fetch of one key set, whoever started it (the
// first fetch, the background refresh, a key miss): to the Observer as one
// observe.KeyFetch event, and each failure to the log at Warn, since the last
// good keys then stay in use and nothing else would tell. The key cache
// fetches through client and reads through transform; a fetch that ends
// before its body is read (no answer, a status other than 200) is reported
// by the first, every other by the second.
type fetchReport struct {
	issuer string // the Provider's issuer
	src    string // jwks_uri
	obs    observe.Observer
	log    *slog.Logger
}

// fetchStart is the context key under which a fetch's request carries the
// time it started, for the transformer to read from the response.
type fetchStart struct{}

// client returns c timing each fetch and reporting the failures that end it
// before the transformer runs.
func (r *fetchReport) client(c *http.Client) httprc.HTTPClient { return timedClient{c: c, r: r} }

type timedClient struct {
	c *http.Client
	r *fetchReport
}

func (t timedClient) Do(req *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.c.Do(req.WithContext(context.WithValue(req.Context(), fetchStart{}, start)))
	switch {
	case err != nil && req.Context().Err() != nil:
		// Cancelled: the Provider is closing, or the request that wanted
		// the keys went away. Not the provider's failure: neither a
		// warning nor an event.
	case err != nil:
		t.r.done(req.Context(), start, nil, "unreachable", unwrapURLError(err))
	case res.StatusCode != http.StatusOK:
		t.r.done(req.Context(), start, nil, "status", fmt.Errorf("GET %s answered %d", t.r.src, res.StatusCode))
	}
	return res, err
}

// transform wraps the key set's transformer: a set it reads is reported OK
// with its number of usable keys, a document it refuses as Failed "refused".
func (r *fetchReport) transform(f func(context.Context, *http.Response) (*keyList, error)) func(context.Context, *http.Response) (*keyList, error) {
	return func(ctx context.Context, res *http.Response) (*keyList, error) {
		l, err := f(ctx, res)
		start := time.Now()
		if res.Request != nil {
			ctx = res.Request.Context()
			if t, ok := ctx.Value(fetchStart{}).(time.Time); ok {
				start = t
			}
		}
		r.done(ctx, start, l, "refused", err)
		return l, err
	}
}

// done reports one fetch that started at start: l when err is nil, else the
// failure with reason.
func (r *fetchReport) done(ctx context.Context, start time.Time, l *keyList, reason string, err error) {
	e := observe.Event{Kind: observe.KeyFetch, Outcome: observe.OK, Issuer: r.issuer, Duration: time.Since(start)}
	if err != nil {
		e.Outcome, e.Reason = observe.Failed, reason
		r.log.Warn("verify: fetching the provider's key set failed; the last good keys stay in use",
			"jwks_uri", r.src, "reason", reason, "error", err.Error())
	} else {
		e.Count = len(l.keys)
	}
	if r.obs != nil {
		r.obs.Observe(ctx, e)
	}
}
