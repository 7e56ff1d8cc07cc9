package middleware_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// commandLog records the names of the commands a Redis client sends, one
// entry per round trip (a pipeline is one entry listing its commands).
type commandLog struct {
	mu    sync.Mutex
	trips []string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.add(cmd.Name())
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.Name()
		}
		l.add(strings.Join(names, "+"))
		return next(ctx, cmds)
	}
}

func (l *commandLog) add(s string) {
	l.mu.Lock()
	l.trips = append(l.trips, s)
	l.mu.Unlock()
}

func (l *commandLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.trips
	l.trips = nil
	return t
}

// redisApp is the test app with its sessions in redisstore on srv, the
// client's commands recorded in the returned log.
func redisApp(t testing.TB, addr string) (*app, *commandLog, *redis.Client) {
	t.Helper()
	sessions, log, rdb := redisSessions(t, addr)
	a := newApp(t, nil, func(c *login.Config) { c.Sessions = sessions })
	a.sessions = sessions
	return a, log, rdb
}

// redisSessions is a session manager on redisstore at addr, the client's
// commands recorded in the returned log.
func redisSessions(t testing.TB, addr string) (*session.Manager, *commandLog, *redis.Client) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second,
		ReadTimeout: time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	log := &commandLog{}
	rdb.AddHook(log)
	keys := [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}
	store, err := redisstore.New(rdb, redisstore.Config{KeyPairs: keys})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.New(session.Config{Store: store, FlowKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return sessions, log, rdb
}

// cookieHeader is the Cookie header the test browser sends to a.
func cookieHeader(a *app, br *browser) string {
	u, _ := url.Parse(a.srv.URL)
	var h []string
	for _, c := range br.jar.Cookies(u) {
		h = append(h, c.Name+"="+c.Value)
	}
	return strings.Join(h, "; ")
}

// A signed-in request through Require on redisstore, with nothing changed,
// costs exactly one round trip to Redis (one GET) and sets no cookie; the
// session really is read from Redis, so deleting the key signs the browser
// out at once.
func TestRequireRedisOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	a, log, rdb := redisApp(t, srv.Addr)
	br := newBrowser(t)
	br.login(a, "alice")
	cookie := cookieHeader(a, br)
	h := a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, ok := login.Session(r.Context()); !ok || s.Subject != "alice" {
			t.Errorf("handler saw session %+v", s)
		}
	}))
	for i := range 6 {
		w := getWithCookie(h, cookie)
		if w.Code != 200 || len(w.Result().Cookies()) != 0 {
			t.Fatalf("status %d, cookies %v", w.Code, w.Result().Cookies())
		}
		trips := log.take()
		if i == 0 {
			continue // the login's trips, and a new connection's handshake
		}
		if len(trips) != 1 || trips[0] != "get" {
			t.Fatalf("round trips for one unchanged request: %q, want one get", trips)
		}
	}
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var deleted int64
	for _, k := range keys {
		if typ, _ := rdb.Type(t.Context(), k).Result(); typ == "string" {
			deleted += rdb.Del(t.Context(), k).Val()
		}
	}
	if deleted == 0 {
		t.Fatalf("no session key among %q", keys)
	}
	if w := getWithCookie(h, cookie); w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d after the session's key was deleted, want 401", w.Code)
	}
}

// BenchmarkRequireRedis is BenchmarkRequire on redisstore against a local
// redis-server: one GET and the decode. BenchmarkRedisGet is the floor the
// goal is measured from: the same request, with the same cookies, served by
// a handler that does that one GET of the same session's data and nothing
// else.
func BenchmarkRequireRedis(b *testing.B) {
	srv := redistest.Start(b)
	a, _, _ := redisApp(b, srv.Addr)
	benchRequire(b, a)
}

func BenchmarkRedisGet(b *testing.B) {
	srv := redistest.Start(b)
	a, _, rdb := redisApp(b, srv.Addr)
	cookie, h := redisGetOnly(b, a, rdb)
	b.ReportAllocs()
	for b.Loop() {
		if w := getWithCookie(h, cookie); w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.ReportMetric(float64(len(rdb.Get(b.Context(), redisSessionKey(b, rdb)).Val())), "value-bytes")
}

// redisGetOnly signs a browser in to a and returns its Cookie header and a
// handler that does only the one GET of that session's data in Redis: the
// floor a request through Require on redisstore is measured against.
func redisGetOnly(b *testing.B, a *app, rdb *redis.Client) (string, http.Handler) {
	br := newBrowser(b)
	br.login(a, "alice")
	cookie := cookieHeader(a, br)
	key := redisSessionKey(b, rdb)
	return cookie, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := rdb.Get(r.Context(), key).Bytes(); err != nil {
			b.Error(err)
		}
	})
}

// redisSessionKey is the Redis key of the one session's data.
func redisSessionKey(b *testing.B, rdb *redis.Client) string {
	for _, k := range rdb.Keys(b.Context(), "*").Val() {
		if rdb.Type(b.Context(), k).Val() == "string" {
			return k
		}
	}
	b.Fatal("no session data in Redis")
	return ""
}
