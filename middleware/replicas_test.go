package middleware_test

import (
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
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// replicas is one app run as two instances (separate Auth, Manager, Store
// and Redis client, as separate processes would have) behind a round-robin
// front, sharing one Redis.
type replicas struct {
	front *httptest.Server
	apps  [2]*app
	hits  [2]atomic.Int64
}

func newReplicas(t *testing.T, op *oidctest.Server, redisAddr string, opts ...appOpt) *replicas {
	t.Helper()
	rs := &replicas{}
	keys := [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}
	for i := range rs.apps {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr, MaxRetries: -1, DialTimeout: 300 * time.Millisecond,
			ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
		t.Cleanup(func() { rdb.Close() })
		store, err := redisstore.New(rdb, redisstore.Config{KeyPairs: keys, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sessions, err := session.New(session.Config{Store: store, FlowKeys: keys})
		if err != nil {
			t.Fatal(err)
		}
		a := newApp(t, op, append([]appOpt{func(c *login.Config) { c.Sessions = sessions }}, opts...)...)
		a.sessions = sessions
		withBackchannel(a)
		rs.apps[i] = a
	}
	var n atomic.Int64
	rs.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1) % 2
		rs.hits[i].Add(1)
		rs.apps[i].srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.front.Close)
	return rs
}

// advance moves both instances' clocks forward by d.
func (rs *replicas) advance(d time.Duration) {
	for _, a := range rs.apps {
		a.clock.advance(d)
	}
}

// as returns a view of the replicas usable with the browser helpers: the
// front's URL, the provider and the first instance's sessions.
func (rs *replicas) as() *app {
	a := *rs.apps[0]
	a.srv = rs.front
	return &a
}

// A login through one instance is valid on the other; 50 concurrent
// requests with an expiring access token, spread over both, cause exactly
// one refresh at the provider (rotation and reuse detection on) and all
// succeed.
func TestReplicasShareSessionsAndRefreshOnce(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "no")
	op := oidctest.NewServer()
	defer op.Close()
	rs := newReplicas(t, op, srv.Addr)
	a := rs.as()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d (%v %v)", resp.StatusCode, rs.apps[0].lastErr(), rs.apps[1].lastErr())
	}
	op.Set(func(bh *oidctest.Behavior) { bh.AccessTokenTTL = time.Hour })
	rs.advance(20 * time.Second) // due for refresh
	before := op.Count("token:refresh_token")
	var wg sync.WaitGroup
	var bad atomic.Int64
	tokens := sync.Map{}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := b.get(a.srv.URL+"/token", "application/json")
			if resp.StatusCode != 200 {
				bad.Add(1)
				return
			}
			tokens.Store(body, true)
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d of 50 requests failed (%v %v)", bad.Load(), rs.apps[0].lastErr(), rs.apps[1].lastErr())
	}
	if n := op.Count("token:refresh_token") - before; n != 1 {
		t.Errorf("%d refresh requests across both instances, want exactly 1", n)
	}
	if rs.hits[0].Load() < 10 || rs.hits[1].Load() < 10 {
		t.Errorf("round-robin hits %d / %d", rs.hits[0].Load(), rs.hits[1].Load())
	}
	distinct := 0
	tokens.Range(func(any, any) bool { distinct++; return true })
	if distinct != 1 {
		t.Errorf("%d different access tokens served, want the one refreshed token", distinct)
	}
	// The grant is still alive: no reuse was detected.
	for range 4 {
		if code, _ := b.me(a); code != 200 {
			t.Errorf("after the refresh: /me %d", code)
		}
	}
}

// Redis stopped mid-run: requests get 503 (not a login redirect, not a
// panic); after a restart the sessions written before work again.
func TestReplicasRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	op := oidctest.NewServer()
	defer op.Close()
	rs := newReplicas(t, op, srv.Addr)
	a := rs.as()
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	srv.Stop()
	for range 4 {
		resp, body := b.get(a.srv.URL+"/me", "text/html")
		if resp.StatusCode != 503 || !strings.Contains(body, "session_unavailable") {
			t.Errorf("/me with Redis down: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp := newBrowser(t).login(a, "bob"); resp.StatusCode != 503 {
		t.Errorf("login with Redis down: %d", resp.StatusCode)
	}
	srv.Restart()
	for range 4 {
		if code, claims := b.me(a); code != 200 || claims["sub"] != "alice" {
			t.Errorf("/me after the restart: %d", code)
		}
	}
}

// Back-channel logout received by one instance ends the sessions on both:
// by sid one session, by sub all of the user's.
func TestReplicasBackChannelLogout(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "no")
	op := oidctest.NewServer()
	defer op.Close()
	rs := newReplicas(t, op, srv.Addr)
	a := rs.as()
	alice1, alice2, bob := newBrowser(t), newBrowser(t), newBrowser(t)
	alice1.login(a, "alice")
	alice2.login(a, "alice")
	bob.login(a, "bob")
	sid := sessionOf(t, a, alice1).SID
	hdr := map[string]any{"typ": "logout+jwt"}
	tok := op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "sub"); c["sid"] = sid })})
	if code, body := postLogout(t, a, tok); code != 200 {
		t.Fatalf("logout by sid: %d %s", code, body)
	}
	for range 2 { // both instances
		if code, _ := alice1.me(a); code != 401 {
			t.Errorf("alice's first session after logout by sid: %d", code)
		}
		if code, _ := alice2.me(a); code != 200 {
			t.Errorf("alice's second session after logout by sid: %d", code)
		}
	}
	if code, _ := postLogout(t, a, op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, nil)})); code != 200 {
		t.Fatal("logout by sub refused")
	}
	for range 2 {
		if code, _ := alice2.me(a); code != 401 {
			t.Errorf("alice's second session after logout by sub: %d", code)
		}
		if code, _ := bob.me(a); code != 200 {
			t.Errorf("bob after alice's logout: %d", code)
		}
	}
}
