package verify

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// recordingObserver keeps the events it is given.
type recordingObserver struct{ kinds []string }

func (o *recordingObserver) Observe(_ context.Context, e observe.Event) {
	o.kinds = append(o.kinds, string(e.Kind)+"/"+string(e.Outcome))
}

// TestKeyFetchCancelledIsNoFailure: a fetch cut off by its own context (the
// Provider closing, or the request that wanted the keys gone) is neither
// logged as a failure nor reported; an unreachable key set is both.
func TestKeyFetchCancelledIsNoFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	var log bytes.Buffer
	obs := &recordingObserver{}
	r := &fetchReport{issuer: "https://op.example", src: srv.URL, obs: obs, log: slog.New(slog.NewTextHandler(&log, nil))}
	c := r.client(&http.Client{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("a cancelled fetch succeeded")
	}
	if log.Len() != 0 || len(obs.kinds) != 0 {
		t.Errorf("a cancelled fetch was reported: %q %v", log.String(), obs.kinds)
	}
	req, _ = http.NewRequest("GET", "http://127.0.0.1:1/jwks", nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("an unreachable fetch succeeded")
	}
	if !strings.Contains(log.String(), "reason=unreachable") || len(obs.kinds) != 1 || obs.kinds[0] != "key_fetch/failed" {
		t.Errorf("an unreachable key set: log %q, events %v", log.String(), obs.kinds)
	}
}
