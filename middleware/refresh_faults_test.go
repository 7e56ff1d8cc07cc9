package middleware_test

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Fault tests of the browser-session refresh: two replicas on one real
// Redis, the test provider rotating refresh tokens and revoking the grant
// when a rotated-out one comes back (Count("refresh_token_reused") shows
// any), clocks injected (Config.Now) so that tokens fall due without
// waiting. Each asserts: nobody signed out, no refresh token presented
// twice.

// rotatingOP is the test provider with 30 s access tokens (due for refresh
// after 15 s) and ID tokens that outlive the tests' clock steps.
func rotatingOP(t *testing.T) *oidctest.Server {
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL, b.IDTokenTTL = 30*time.Second, 24*time.Hour })
	return op
}

// afterRefresh runs f (once) between the provider's answer and the save.
func afterRefresh(f *atomic.Pointer[func()]) appOpt {
	return func(c *login.Config) {
		c.AfterRefresh = func(context.Context, *session.Session) error {
			if g := f.Swap(nil); g != nil {
				(*g)()
			}
			return nil
		}
	}
}

// checkNoneLost fails the test when the provider saw a rotated-out refresh
// token, or when refreshes differ from want (-1: any).
func checkNoneLost(t *testing.T, op *oidctest.Server, want int) {
	t.Helper()
	if n := op.Count("refresh_token_reused"); n != 0 {
		t.Errorf("refresh tokens presented twice: %d, want 0 (grants revoked)", n)
	}
	if n := op.Count("token:refresh_token"); want >= 0 && n != want {
		t.Errorf("%d refreshes at the provider, want %d", n, want)
	}
}

// abandonable returns the context for the next request to srv and leave,
// which cancels it (the browser goes away) and returns once the server has
// noticed (its request context ended).
func abandonable(srv *httptest.Server) (ctx context.Context, leave func()) {
	reqCtx := make(chan context.Context, 1)
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case reqCtx <- r.Context():
		default:
		}
		inner.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	return ctx, func() {
		cancel()
		<-(<-reqCtx).Done()
	}
}

// refreshFault is alice signed in through two replicas on a real Redis,
// with a hook run once between the provider's answer and the save.
type refreshFault struct {
	srv   *redistest.Server
	op    *oidctest.Server
	rs    *replicas
	b     *browser
	first *session.Session // alice's session at login
	hook  atomic.Pointer[func()]
}

func newRefreshFault(t *testing.T, opts ...appOpt) *refreshFault {
	f := &refreshFault{srv: redistest.Start(t), op: rotatingOP(t), b: newBrowser(t)}
	f.rs = newReplicas(t, f.op, f.srv.Addr, append(opts, afterRefresh(&f.hook))...)
	if resp := f.b.login(f.rs.as(), "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	f.first = sessionOf(t, f.rs.as(), f.b)
	return f
}

// onSave runs g once, after the provider answers the next refresh and
// before its tokens are saved.
func (f *refreshFault) onSave(g func()) { f.hook.Store(&g) }

// A browser abandons the request whose refresh is under way, after the
// provider answered and before the save (the server has seen the
// connection close): the rotated tokens are saved anyway, and the next
// request, on the other replica, gets them and never sends the old refresh
// token.
func TestRefreshSurvivesAbandonedRequest(t *testing.T) {
	f := newRefreshFault(t)
	op, rs, b, first := f.op, f.rs, f.b, f.first
	rs.advance(20 * time.Second)
	ctx, leave := abandonable(rs.apps[0].srv)
	f.onSave(leave)
	req, _ := http.NewRequestWithContext(ctx, "GET", rs.apps[0].srv.URL+"/token", nil)
	if _, err := b.c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("the abandoned request: %v", err)
	}
	resp, tok := b.get(rs.apps[1].srv.URL+"/token", "")
	if resp.StatusCode != 200 || tok == first.AccessToken {
		t.Fatalf("the next request, on the other replica: %d, new token %v", resp.StatusCode, tok != first.AccessToken)
	}
	if s := sessionOf(t, rs.as(), b); s.RefreshToken == first.RefreshToken || s.AccessToken != tok {
		t.Error("the store does not hold the rotated tokens")
	}
	checkNoneLost(t, op, 1)
	rs.advance(20 * time.Second)
	for i := range 4 {
		if code, _ := b.me(rs.as()); code != 200 {
			t.Errorf("request %d after the next refresh: %d", i, code)
		}
	}
	checkNoneLost(t, op, 2)
}

// 20 users over two replicas, every access token due five times; at each
// expiry each user sends three requests at once to random replicas, two of
// which the browser abandons at a random moment. Nobody is signed out, no
// refresh token is presented twice, and each expiry costs exactly one
// refresh per user.
func TestRefreshAbandonedRequestsSignNobodyOut(t *testing.T) {
	srv := redistest.Start(t)
	op := rotatingOP(t)
	rs := newReplicas(t, op, srv.Addr)
	const users, rounds = 20, 5
	browsers := make([]*browser, users)
	for i := range browsers {
		browsers[i] = newBrowser(t)
		if resp := browsers[i].login(rs.as(), "user"+string(rune('a'+i))); resp.StatusCode != 302 {
			t.Fatalf("login %d: %d", i, resp.StatusCode)
		}
	}
	var signedOut, abandoned atomic.Int64
	for range rounds {
		rs.advance(20 * time.Second)
		var wg sync.WaitGroup
		for _, b := range browsers {
			for j := range 3 {
				wg.Go(func() {
					a := rs.apps[rand.IntN(2)]
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					if j > 0 {
						time.AfterFunc(time.Duration(rand.IntN(20000))*time.Microsecond, cancel)
					}
					req, _ := http.NewRequestWithContext(ctx, "GET", a.srv.URL+"/token", nil)
					resp, err := b.c.Do(req)
					if err != nil {
						abandoned.Add(1)
						return
					}
					resp.Body.Close()
					if resp.StatusCode == 401 || resp.StatusCode == 302 {
						signedOut.Add(1)
					}
				})
			}
		}
		wg.Wait()
		for i, b := range browsers {
			if code, _ := b.me(rs.apps[i%2]); code != 200 {
				signedOut.Add(1)
			}
		}
	}
	t.Logf("%d of %d requests abandoned", abandoned.Load(), users*rounds*3)
	if signedOut.Load() != 0 {
		t.Errorf("users signed out: %d, want 0", signedOut.Load())
	}
	checkNoneLost(t, op, users*rounds)
}

// retryWatch is a slog.Handler that reports the refresh's save retries.
type retryWatch struct {
	retried chan struct{}
	once    sync.Once
}

func newRetryWatch() *retryWatch { return &retryWatch{retried: make(chan struct{})} }

func (h *retryWatch) Enabled(context.Context, slog.Level) bool { return true }
func (h *retryWatch) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *retryWatch) WithGroup(string) slog.Handler            { return h }
func (h *retryWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "saving refreshed tokens failed; retrying") {
		h.once.Do(func() { close(h.retried) })
	}
	return nil
}

// Redis goes down between the provider's answer and the save, and comes
// back once a save has failed: the save is retried while the request
// waits, the request succeeds with the new tokens, and the store holds
// them.
func TestRefreshSaveRetriedThroughRedisBlip(t *testing.T) {
	watch := newRetryWatch()
	f := newRefreshFault(t, func(c *login.Config) { c.Logger = slog.New(watch) })
	srv, op, rs, b, first := f.srv, f.op, f.rs, f.b, f.first
	rs.advance(20 * time.Second)
	f.onSave(srv.Stop)
	type answer struct {
		code int
		tok  string
	}
	got := make(chan answer, 1)
	go func() {
		resp, tok := b.get(rs.apps[0].srv.URL+"/token", "")
		got <- answer{resp.StatusCode, tok}
	}()
	select {
	case <-watch.retried:
	case ans := <-got:
		t.Fatalf("the request ended (%d) without a retried save", ans.code)
	}
	srv.Restart()
	ans := <-got
	if ans.code != 200 || ans.tok == first.AccessToken {
		t.Fatalf("the request whose save was retried: %d, new token %v", ans.code, ans.tok != first.AccessToken)
	}
	if s := sessionOf(t, rs.as(), b); s.AccessToken != ans.tok || s.RefreshToken == first.RefreshToken {
		t.Error("the store does not hold the rotated tokens")
	}
	for _, a := range rs.apps {
		if resp, tok := b.get(a.srv.URL+"/token", ""); resp.StatusCode != 200 || tok != ans.tok {
			t.Errorf("after the blip: %d, same token %v", resp.StatusCode, tok == ans.tok)
		}
	}
	checkNoneLost(t, op, 1)
}

// Redis stays down after the provider answered: the request answers 503
// (session_unavailable) once its wait is over, never "signed out"; the
// rotated tokens stay with the replica, which keeps retrying the save, so
// once Redis is back the session works on both replicas with them.
func TestRefreshSaveOutageAnswers503ThenSessionWorks(t *testing.T) {
	f := newRefreshFault(t)
	srv, op, rs, b, first := f.srv, f.op, f.rs, f.b, f.first
	rs.advance(20 * time.Second)
	f.onSave(srv.Stop)
	if resp, body := b.get(rs.apps[0].srv.URL+"/token", "application/json"); resp.StatusCode != 503 || !strings.Contains(body, "session_unavailable") {
		t.Fatalf("Redis down during the save: %d %s", resp.StatusCode, body)
	}
	srv.Restart()
	resp, tok := b.get(rs.apps[0].srv.URL+"/token", "")
	if resp.StatusCode != 200 || tok == first.AccessToken {
		t.Fatalf("Redis back, the replica holding the tokens: %d, new token %v", resp.StatusCode, tok != first.AccessToken)
	}
	for i := range 4 {
		if resp, got := b.get(rs.apps[i%2].srv.URL+"/token", ""); resp.StatusCode != 200 || got != tok {
			t.Errorf("Redis back, request %d: %d, same token %v", i, resp.StatusCode, got == tok)
		}
	}
	checkNoneLost(t, op, 1)
	rs.advance(20 * time.Second)
	if code, _ := b.me(rs.apps[1]); code != 200 {
		t.Errorf("the next refresh: %d", code)
	}
	checkNoneLost(t, op, 2)
}

// The refresh lock's lease is at most 3 s and is extended while its holder
// lives (a refresh the provider takes 2.5 s to answer keeps it); a replica
// that died holding the lock stalls the session's other requests only until
// that lease runs out, then they refresh normally.
func TestRefreshStallAfterReplicaDeathBounded(t *testing.T) {
	f := newRefreshFault(t)
	op, rs, b := f.op, f.rs, f.b
	rdb := redis.NewClient(&redis.Options{Addr: f.srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	rs.advance(20 * time.Second)

	// A live holder: watch its lock while the provider is slow.
	op.Set(func(bh *oidctest.Behavior) { bh.TokenDelay = 2500 * time.Millisecond })
	done := make(chan int, 1)
	go func() {
		resp, _ := b.get(rs.apps[0].srv.URL+"/token", "")
		done <- resp.StatusCode
	}()
	var lockKey string
	var maxTTL, lastTTL time.Duration
	extended := false
	for watching := true; watching; {
		select {
		case code := <-done:
			if code != 200 {
				t.Fatalf("the slow refresh: %d", code)
			}
			watching = false
			continue
		default:
		}
		if lockKey == "" {
			keys, _ := rdb.Keys(t.Context(), "*lock*").Result()
			if len(keys) == 1 {
				lockKey = keys[0]
			}
			continue
		}
		ttl, err := rdb.PTTL(t.Context(), lockKey).Result()
		if err != nil || ttl <= 0 {
			continue // released
		}
		maxTTL = max(maxTTL, ttl)
		extended = extended || lastTTL > 0 && ttl > lastTTL+50*time.Millisecond
		lastTTL = ttl
	}
	if lockKey == "" || maxTTL == 0 {
		t.Fatal("never saw the refresh lock")
	}
	if maxTTL > 3*time.Second {
		t.Errorf("the lock's lease is %v, want at most 3 s", maxTTL)
	}
	if !extended {
		t.Error("the lease was never extended while its holder waited on the provider")
	}
	op.Set(func(bh *oidctest.Behavior) { bh.TokenDelay = 0 })

	// A dead holder: its lease, as long as any the live one had, is left
	// behind with nobody to extend or release it.
	rs.advance(20 * time.Second)
	if err := rdb.Set(t.Context(), lockKey, "dead replica", maxTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.get(rs.apps[1].srv.URL+"/token", ""); resp.StatusCode != 200 {
		t.Errorf("the request that waited out the dead replica's lease: %d", resp.StatusCode)
	}
	if n, _ := rdb.Exists(t.Context(), lockKey).Result(); n != 0 {
		t.Error("the lock is still held")
	}
	checkNoneLost(t, op, 2)
}

// The same on the cookie store, where the abandoned request's Set-Cookie
// never reaches the browser: the next request presents the rotated-out
// refresh token in the old cookie and is handed the refresh's result (and
// its cookie), never sending that token to the provider.
func TestRefreshSurvivesAbandonedRequestCookieStore(t *testing.T) {
	op := rotatingOP(t)
	var hook atomic.Pointer[func()]
	a := newApp(t, op, afterRefresh(&hook))
	b := newBrowser(t)
	b.login(a, "alice")
	first := sessionOf(t, a, b)
	a.clock.advance(20 * time.Second)
	ctx, leave := abandonable(a.srv)
	hook.Store(&leave)
	req, _ := http.NewRequestWithContext(ctx, "GET", a.srv.URL+"/token", nil)
	if _, err := b.c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("the abandoned request: %v", err)
	}
	if s := sessionOf(t, a, b); s.RefreshToken != first.RefreshToken {
		t.Fatal("the abandoned request's cookie arrived after all")
	}
	resp, tok := b.get(a.srv.URL+"/token", "")
	if resp.StatusCode != 200 || tok == first.AccessToken {
		t.Fatalf("the next request, with the old cookie: %d, new token %v", resp.StatusCode, tok != first.AccessToken)
	}
	if s := sessionOf(t, a, b); s.RefreshToken == first.RefreshToken || s.AccessToken != tok {
		t.Error("the browser's cookie does not hold the rotated tokens")
	}
	checkNoneLost(t, op, 1)
}
