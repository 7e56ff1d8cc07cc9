package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// 2 000 requests over 50 goroutines against a protected page and a
// protected API while access tokens expire and the provider rotates its
// keys: no 5xx, no lost session, one refresh per session, and goroutines
// and heap back where they were.
func TestLoadWithoutLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	api := httptest.NewServer(bearer.Protect(v, "read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})))
	defer api.Close()

	const sessions, workers, requests = 10, 50, 2000
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second }) // inside the refresh margin
	browsers := make([]*browser, sessions)
	for i := range browsers {
		browsers[i] = newBrowser(t)
		if resp := browsers[i].login(a, fmt.Sprint("user", i)); resp.StatusCode != 302 {
			t.Fatalf("login %d: %d", i, resp.StatusCode)
		}
	}
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = time.Hour })
	a.clock.advance(20 * time.Second) // every session is due for refresh
	op.ResetCounts()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	var next, fivexx, lost, rotated atomic.Int64
	var wg sync.WaitGroup
	apiClient := &http.Client{Timeout: 10 * time.Second}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > requests {
					return
				}
				if n == requests/3 && rotated.Add(1) == 1 {
					op.RotateKeys()
				}
				if n%2 == 0 {
					resp, _ := browsers[(int(n)+w)%sessions].get(a.srv.URL+"/token", "application/json")
					switch {
					case resp.StatusCode >= 500:
						fivexx.Add(1)
					case resp.StatusCode != 200:
						lost.Add(1)
					}
					continue
				}
				req, _ := http.NewRequest("GET", api.URL, nil)
				req.Header.Set("Authorization", "Bearer "+op.AccessToken(fmt.Sprint("svc", n%7), "api", "read"))
				resp, err := apiClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					fivexx.Add(1)
				} else if resp.StatusCode != 200 {
					t.Errorf("API answered %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	if fivexx.Load() != 0 || lost.Load() != 0 {
		t.Errorf("%d answers 5xx, %d sessions lost", fivexx.Load(), lost.Load())
	}
	if n := op.Count("token:refresh_token"); n != sessions {
		t.Errorf("%d refreshes for %d sessions, want exactly one each", n, sessions)
	}
	for i, b := range browsers {
		if code, _ := b.me(a); code != 200 {
			t.Errorf("session %d after the run: %d", i, code)
		}
	}
	apiClient.CloseIdleConnections()
	for _, b := range browsers {
		b.c.CloseIdleConnections()
	}
	// The servers' connection goroutines end after the client closes them,
	// announcing nothing: a poll, up to 30 s, which a loaded machine makes
	// longer, never fail sooner.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > goroutines+5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // sleep-ok: the poll interval of a goroutine count
	}
	if g := runtime.NumGoroutine(); g > goroutines+5 {
		t.Errorf("%d goroutines after the run, %d before", g, goroutines)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 32<<20 {
		t.Errorf("heap grew by %d MB", grow>>20)
	}
}
