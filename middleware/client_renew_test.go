package middleware_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// callers runs n concurrent Token calls and reports, once every goroutine
// of the bubble is blocked or done, how many have not returned (are waiting
// for the renewal), then collects them all.
func callers(tr *outbound.Transport, n int) (waiting int, collect func() map[string]int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var returned atomic.Int64
	got := map[string]int{}
	for range n {
		wg.Go(func() {
			tok, err := tr.Token(context.Background())
			if err != nil {
				tok = "error: " + err.Error()
			}
			returned.Add(1)
			mu.Lock()
			got[tok]++
			mu.Unlock()
		})
	}
	synctest.Wait()
	return n - int(returned.Load()), func() map[string]int { wg.Wait(); return got }
}

// A slow token endpoint and 200 concurrent callers past the renewal point
// with a token that is still valid: none of them waits (the first starts the
// renewal in the background and all go on with the current token), one
// token request is made, and the token it brings is used next. Once the
// token has expired, callers have nothing to go on with: all 200 wait for
// one renewal.
func TestClientRenewsInBackgroundWhileTokenValid(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = time.Hour })
	count := func() int { return op.Count("token:client_credentials") }
	synctest.Test(t, func(t *testing.T) {
		// Each token request passes the gate on one value sent on pass.
		started, pass := make(chan struct{}, 3), make(chan struct{}, 1)
		cfg := bubbleConfig(op)
		cfg.HTTPClient.Transport = gate{started, pass, cfg.HTTPClient.Transport}
		tr := newTransport(t, cfg)
		pass <- struct{}{}
		first, err := tr.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}

		time.Sleep(time.Hour - 29*time.Second) // inside the 30 s margin, 29 s of life left
		waiting, collect := callers(tr, 200)
		if waiting != 0 || len(started) != 2 {
			t.Errorf("%d of 200 callers with a valid token waited for the renewal, want 0 (%d token requests started, want 2)", waiting, len(started))
		}
		pass <- struct{}{}
		synctest.Wait()
		if got := collect(); got[first] != 200 {
			t.Errorf("callers got %v, want the current token 200 times", got)
		}
		if n := count(); n != 2 {
			t.Errorf("%d token requests, want 2 (one renewal)", n)
		}
		second, err := tr.Token(context.Background())
		if err != nil || second == first {
			t.Fatalf("after the background renewal: %v (new token: %t)", err, second != first)
		}

		time.Sleep(time.Hour) // the second token has expired
		waiting, collect = callers(tr, 200)
		if waiting != 200 {
			t.Errorf("%d of 200 callers without a valid token waited, want 200", waiting)
		}
		pass <- struct{}{}
		got := collect()
		if len(got) != 1 || got[second] != 0 || count() != 3 {
			t.Errorf("expired token: callers got %v after %d token requests, want one new token and 3", got, count())
		}
	})
}

// The refresh client renews in the background too, and still hands the
// rotated refresh token to OnRotate before the access token that came with
// it is used: while OnRotate is slow (held), API calls go on with the
// current access token, and the API sees the new one only after OnRotate
// returned.
func TestRefreshClientBackgroundRenewalPersistsFirst(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	rt := provisionRefreshToken(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = time.Hour })
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var hold chan struct{}
		var seenAtRotation []int // access tokens the API had seen when OnRotate returned
		onRotate := func(context.Context, string) error {
			mu.Lock()
			h := hold
			mu.Unlock()
			if h != nil {
				<-h
			}
			mu.Lock()
			defer mu.Unlock()
			seenAtRotation = append(seenAtRotation, api.distinctTokens())
			return nil
		}
		c, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
			ClientSecret: op.ClientSecret,
			HTTPClient:   &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
			Base:         &http.Transport{DisableKeepAlives: true}}, rt, onRotate)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := ccGet(t, c, api.srv.URL); code != 200 {
			t.Fatalf("first call: %d", code)
		}
		time.Sleep(time.Hour - 29*time.Second)
		mu.Lock()
		hold = make(chan struct{})
		mu.Unlock()
		for i := range 20 {
			if code, _ := ccGet(t, c, api.srv.URL); code != 200 {
				t.Fatalf("call %d while OnRotate is held: %d", i, code)
			}
		}
		synctest.Wait()
		if n := api.distinctTokens(); n != 1 {
			t.Errorf("the API saw %d access tokens while OnRotate was held, want 1", n)
		}
		mu.Lock()
		close(hold)
		hold = nil
		mu.Unlock()
		synctest.Wait()
		if code, _ := ccGet(t, c, api.srv.URL); code != 200 || api.distinctTokens() != 2 {
			t.Errorf("after OnRotate returned: %d, the API saw %d access tokens, want 200 and 2", code, api.distinctTokens())
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seenAtRotation) != 2 || seenAtRotation[1] != 1 {
			t.Errorf("the API had seen %v access tokens at each OnRotate, want [0 1]", seenAtRotation)
		}
		if n := op.Count("token:refresh_token"); n != 2 {
			t.Errorf("%d refreshes, want 2", n)
		}
	})
}
