package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
)

var keys = [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}

// client is a go-redis client for addrs (several make a cluster client)
// that fails fast: no retries, short timeouts, the context deadline
// honoured.
func client(t testing.TB, addrs ...string) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs, MaxRetries: -1,
		DialTimeout: 300 * time.Millisecond, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var prefixes atomic.Int64

// newStore returns a Store on rdb under a prefix of its own, with a
// generous Timeout unless c sets one: 50 concurrent users under the race
// detector on a loaded machine wait for pooled connections longer than a
// production timeout allows; the tests of a hung Redis set their own.
func newStore(t testing.TB, rdb redis.UniversalClient, c redisstore.Config) *redisstore.Store {
	t.Helper()
	if c.KeyPairs == nil {
		c.KeyPairs = keys
	}
	if c.Prefix == "" {
		c.Prefix = "t" + string(rune('0'+prefixes.Add(1)%10)) + time.Now().Format("150405.000000") + ":"
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	s, err := redisstore.New(rdb, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func manager(t testing.TB, s *redisstore.Store) *session.Manager {
	t.Helper()
	m, err := session.New(session.Config{Store: s, FlowKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// login logs s in and returns the Cookie header that carries it.
func login(t testing.TB, m *session.Manager, s *session.Session) string {
	t.Helper()
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
	return strings.Join(cookie, "; ")
}

func load(m *session.Manager, cookie string) (*session.Session, error) {
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	return m.Load(r)
}

func save(m *session.Manager, cookie string, s *session.Session) error {
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	return m.Save(httptest.NewRecorder(), r, s)
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newRequest is a request to the loopback origin carrying cookie.
func newRequest(cookie string) *http.Request {
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

func newRecorderFor() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// quiet drops go-redis's log lines: the outage tests make it dial a dead
// server on purpose.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quiet{}) }
