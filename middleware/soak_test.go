package middleware_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// soakProviderEnv makes TestSoakProvider run the provider for TestSoak.
const soakProviderEnv = "GATEHOUSE_SOAK_PROVIDER"

// TestSoakProvider is TestSoak's provider, run in a child process so that
// its token tables (which only grow) are not in the heap TestSoak samples.
// It prints "URL clientID secret" and serves until its stdin closes.
func TestSoakProvider(t *testing.T) {
	if os.Getenv(soakProviderEnv) == "" {
		t.Skip("the provider process of TestSoak")
	}
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) {
		b.AutoLogin, b.AccessTokenTTL, b.IDTokenTTL = "soak", 30*time.Second, 48*time.Hour
	})
	fmt.Println(op.URL, op.ClientID, op.ClientSecret)
	io.Copy(io.Discard, os.Stdin)
}

// TestSoak runs the webapp side for SOAK (e.g. SOAK=10m; skipped when
// unset): two replicas on one Redis, users arriving steadily, each signing
// in, making a request every 50 ms for 2 s while its 30 s access tokens
// fall due (the replicas' clock runs 50 times fast, so a token is due every
// 0.3 s) and signing out. It samples the heap and goroutines every tenth of
// the run; after warm-up the heap must stay within ±10 %, and nobody may be
// signed out.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set SOAK=10m to run the soak test")
	}
	srv := redistest.Start(t)
	issuer, clientID, secret := startSoakProvider(t)
	clock := &testClock{}
	var refreshes atomic.Int64
	var auths []*login.Auth
	var handlers []http.Handler
	keys := [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}
	for range 2 {
		p, err := verify.Discover(t.Context(), issuer, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { rdb.Close() })
		store, _ := redisstore.New(rdb, redisstore.Config{KeyPairs: keys})
		deny, _ := redisstore.NewDenyList(rdb, "")
		sessions, _ := session.New(session.Config{Store: store, FlowKeys: keys, DenyList: deny})
		a, err := login.New(login.Config{Provider: p, ClientID: clientID, ClientSecret: secret,
			RedirectURL: "/callback", Sessions: sessions, Now: clock.Now,
			AfterRefresh: func(context.Context, *session.Session) error { refreshes.Add(1); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /login", a.Login)
		mux.HandleFunc("GET /callback", a.Callback)
		mux.HandleFunc("POST /logout", a.Logout)
		mux.Handle("GET /token", a.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := login.Session(r.Context())
			w.Write([]byte(s.AccessToken))
		})))
		auths = append(auths, a)
		handlers = append(handlers, mux)
	}
	var rr atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers[rr.Add(1)%2].ServeHTTP(w, r)
	}))
	defer front.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the replicas' clock, 50 times fast
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				clock.advance(time.Second)
			}
		}
	})
	var logins, requests, signedOut, failed atomic.Int64
	// The browsers' connections, kept alive: connection churn in this
	// process would be measured with the replicas.
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	for range 32 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				b := newBrowser(t)
				b.c.Transport = tr
				if !soakLogin(b, front.URL) {
					failed.Add(1)
					continue
				}
				logins.Add(1)
				pace := time.NewTicker(50 * time.Millisecond)
				for range 40 { // 2 s, 100 s on the replicas' clock: several refreshes
					<-pace.C
					resp, err := b.c.Get(front.URL + "/token")
					if err != nil {
						failed.Add(1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					requests.Add(1)
					switch {
					case resp.StatusCode == 401 || resp.StatusCode == 302:
						signedOut.Add(1)
					case resp.StatusCode != 200:
						failed.Add(1)
					}
				}
				pace.Stop()
				if resp, err := b.c.Post(front.URL+"/logout", "", nil); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	var heap []uint64
	end := time.Now().Add(d)
	for i := 1; i <= 10; i++ {
		time.Sleep(d / 10) // sleep-ok: an opt-in soak samples the heap at wall-clock intervals; it asserts no time
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = append(heap, m.HeapAlloc)
		t.Logf("%5.0f s: %6d logins, %7d requests, %6d refreshes, %d signed out, %d failed; live heap %5.1f MB (in use %5.1f MB), goroutines %4d",
			d.Seconds()-time.Until(end).Seconds(), logins.Load(), requests.Load(), refreshes.Load(), signedOut.Load(), failed.Load(),
			float64(m.HeapAlloc)/(1<<20), float64(m.HeapInuse)/(1<<20), runtime.NumGoroutine())
	}
	close(stop)
	wg.Wait()
	if signedOut.Load() != 0 || failed.Load() != 0 {
		t.Errorf("users signed out: %d, failed requests: %d, want 0", signedOut.Load(), failed.Load())
	}
	// After warm-up (the first three tenths), the live heap (after a GC)
	// stays flat: the
	// mean of the last three samples within 10 % of the mean of the three
	// after warm-up (a mean, so that one sample taken during a burst of
	// connections does not decide).
	mean := func(hs []uint64) float64 { return float64(hs[0]+hs[1]+hs[2]) / 3 }
	if early, late := mean(heap[3:6]), mean(heap[7:10]); late > early*1.10 || late < early*0.90 {
		t.Errorf("live heap: %.1f MB after warm-up, %.1f MB at the end (more than ±10 %%)", early/(1<<20), late/(1<<20))
	}
}

// startSoakProvider runs TestSoakProvider in a child process.
func startSoakProvider(t *testing.T) (issuer, clientID, secret string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSoakProvider$")
	cmd.Env = append(os.Environ(), soakProviderEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 {
		t.Fatalf("the provider process said %q: %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	return f[0], f[1], f[2]
}

// soakLogin signs b in through the provider's automatic login.
func soakLogin(b *browser, front string) bool {
	next := front + "/login"
	for range 3 { // /login → /authorize → /callback
		resp, err := b.c.Get(next)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			return false
		}
		next = resp.Header.Get("Location")
		if strings.HasPrefix(next, "/") {
			next = front + next
		}
	}
	return true
}
