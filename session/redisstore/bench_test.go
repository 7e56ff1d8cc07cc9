package redisstore_test

import (
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// BenchmarkManagerRedis is one signed-in request that changed its session:
// Load then Save through session.Manager, on redisstore against a local
// redis-server (one GET, then one pipelined SET and two index updates).
func BenchmarkManagerRedis(b *testing.B) {
	srv := redistest.Start(b)
	st := newStore(b, client(b, srv.Addr), redisstore.Config{})
	benchManager(b, st, manager(b, st))
}

// BenchmarkManagerCookie is the same request on session.CookieStore.
func BenchmarkManagerCookie(b *testing.B) {
	st, err := session.NewCookieStore(keys...)
	if err != nil {
		b.Fatal(err)
	}
	m, err := session.New(session.Config{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	benchManager(b, st, m)
}

func benchManager(b *testing.B, _ sessions.Store, m *session.Manager) {
	cookie := login(b, m, &session.Session{Issuer: "https://op.example", Subject: "alice", SID: "sid-1",
		IDToken: strings.Repeat("i", 1000), AccessToken: strings.Repeat("a", 1000), RefreshToken: strings.Repeat("r", 200)})
	b.ReportAllocs()
	for b.Loop() {
		r := newRequest(cookie)
		s, err := m.Load(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Save(newRecorderFor(), r, s); err != nil {
			b.Fatal(err)
		}
	}
}
