package redisstore_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/session/storetest"
)

var keys = [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}

func newStore(t testing.TB, rdb redis.UniversalClient, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(rdb, redisstore.Config{KeyPairs: keys, Prefix: prefix, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func client(t testing.TB, addrs ...string) redis.UniversalClient {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs, MaxRetries: -1,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var prefixes atomic.Int64

func TestStoreConformance(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	storetest.Run(t, func(t *testing.T) sessions.Store {
		return newStore(t, rdb, "t"+string(rune('a'+prefixes.Add(1)%26))+":")
	})
}

func TestStoreConformanceCluster(t *testing.T) {
	addrs := redistest.Cluster(t, 3)
	rdb := client(t, addrs...)
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatalf("UniversalClient over 3 addresses is a %T, want a cluster client", rdb)
	}
	storetest.Run(t, func(t *testing.T) sessions.Store { return newStore(t, rdb, "") })
}

func manager(t testing.TB, s sessions.Store) *session.Manager {
	m, err := session.New(session.Config{Store: s, FlowKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loginReq(t testing.TB, m *session.Manager, s *session.Session) (*httptest.ResponseRecorder, string) {
	w := httptest.NewRecorder()
	if err := m.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/", nil), s); err != nil {
		t.Fatal(err)
	}
	var cookie []string
	for _, c := range w.Result().Cookies() {
		if c.MaxAge >= 0 {
			cookie = append(cookie, c.Name+"="+c.Value)
		}
	}
	return w, strings.Join(cookie, "; ")
}

func load(m *session.Manager, cookie string) (*session.Session, error) {
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	return m.Load(r)
}

// The key in Redis is a hash of the session ID: a Redis dump gives no
// usable cookie.
func TestStoredKeyIsHashed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	st := newStore(t, rdb, "")
	m := manager(t, st)
	_, cookie := loginReq(t, m, &session.Session{Issuer: "i", Subject: "alice", SID: "s1"})
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	gs, err := st.New(r, "gatehouse")
	if err != nil || gs.ID == "" {
		t.Fatalf("New: %v", err)
	}
	ks, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if strings.Contains(k, gs.ID) {
			t.Errorf("key %q holds the raw session ID", k)
		}
		v, _ := rdb.Get(context.Background(), k).Result()
		if strings.Contains(v, gs.ID) {
			t.Errorf("value of %q holds the raw session ID", k)
		}
	}
	ttl, _ := rdb.TTL(context.Background(), ks[0]).Result()
	if ttl <= 0 || ttl > 25*time.Hour {
		t.Errorf("TTL %v: want the session's lifetime", ttl)
	}
}

// Redis down: errors matching ErrUnavailable (never "no session"); after a
// restart the sessions written before still load.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	m := manager(t, newStore(t, rdb, ""))
	_, cookie := loginReq(t, m, &session.Session{Issuer: "i", Subject: "alice"})
	srv.Stop()
	if _, err := load(m, cookie); !errors.Is(err, redisstore.ErrUnavailable) || errors.Is(err, session.ErrNoSession) {
		t.Errorf("Load with Redis down: %v, want ErrUnavailable", err)
	}
	err := m.Login(httptest.NewRecorder(), httptest.NewRequest("GET", "http://127.0.0.1/", nil), &session.Session{Subject: "bob"})
	if !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Login with Redis down: %v", err)
	}
	srv.Restart()
	if s, err := load(m, cookie); err != nil || s.Subject != "alice" {
		t.Errorf("after restart: %v", err)
	}
}

func TestLock(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, client(t, srv.Addr), "")
	ctx := context.Background()
	unlock, err := st.Lock(ctx, "k", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Held past its initial lease: the extension keeps others out.
	wctx, cancel := context.WithTimeout(ctx, 900*time.Millisecond)
	_, err = st.Lock(wctx, "k", 300*time.Millisecond)
	cancel()
	if err == nil {
		t.Fatal("a second holder got the lock while the first still held it")
	}
	var got atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		u2, err := st.Lock(ctx, "k", time.Second)
		if err == nil {
			got.Store(true)
			u2()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	if got.Load() {
		t.Fatal("the waiter got the lock before it was released")
	}
	unlock()
	unlock() // twice is harmless
	wg.Wait()
	if !got.Load() {
		t.Error("the waiter never got the released lock")
	}
	// Only the owner releases: an expired holder's unlock does not free a
	// lock someone else holds now.
	u3, _ := st.Lock(ctx, "other", 300*time.Millisecond)
	u3()
	u4, err := st.Lock(ctx, "other", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u3()
	wctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := st.Lock(wctx, "other", time.Second); err == nil {
		t.Error("a stale unlock freed another holder's lock")
	}
	u4()
}

func TestDeleteBySIDAndSubject(t *testing.T) {
	srv := redistest.Start(t)
	st := newStore(t, client(t, srv.Addr), "")
	m := manager(t, st)
	_, a1 := loginReq(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s1"})
	_, a2 := loginReq(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s2"})
	_, b1 := loginReq(t, m, &session.Session{Issuer: "https://op", Subject: "bob", SID: "s3"})
	n, err := m.EndSessions(context.Background(), "https://op", "s1", "")
	if err != nil || n != 1 {
		t.Fatalf("by sid: %d %v", n, err)
	}
	for c, want := range map[string]bool{a1: false, a2: true, b1: true} {
		if _, err := load(m, c); (err == nil) != want {
			t.Errorf("after logout by sid: %v", err)
		}
	}
	n, err = m.EndSessions(context.Background(), "https://op", "", "alice")
	if err != nil || n != 1 {
		t.Fatalf("by sub: %d %v", n, err)
	}
	if _, err := load(m, a2); err == nil {
		t.Error("alice's other session survived")
	}
	if _, err := load(m, b1); err != nil {
		t.Errorf("bob's session ended: %v", err)
	}
}

// BenchmarkManagerRedis is a session Load+Save through redisstore against
// a local redis-server; BenchmarkManagerCookie the same on the cookie store.
func BenchmarkManagerRedis(b *testing.B) {
	srv := redistest.Start(b, "--appendonly", "no") // no fsync per write
	bench(b, newStore(b, client(b, srv.Addr), ""))
}

func BenchmarkManagerCookie(b *testing.B) {
	s, _ := session.NewCookieStore(keys...)
	bench(b, s)
}

func bench(b *testing.B, st sessions.Store) {
	m := manager(b, st)
	_, cookie := loginReq(b, m, &session.Session{Issuer: "https://op", Subject: "alice",
		IDToken: strings.Repeat("i", 1000), AccessToken: strings.Repeat("a", 1000), RefreshToken: strings.Repeat("r", 200)})
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		r.Header.Set("Cookie", cookie)
		s, err := m.Load(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Save(httptest.NewRecorder(), r, s); err != nil {
			b.Fatal(err)
		}
	}
}
