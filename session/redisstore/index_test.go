package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

func TestIndex(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	testIndex(t, newStore(t, rdb, redisstore.Config{}))

	// Expired entries leave a set whenever it is written to (a user who
	// logs in daily does not grow it without bound), and the set lives as
	// long as its longest-lived session, plus a minute.
	t.Run("Pruned", func(t *testing.T) {
		st := newStore(t, rdb, redisstore.Config{Prefix: "prune:"})
		ctx := context.Background()
		key := "prune:sub:" + sha256hex("https://op\x00"+"carol\x00")
		rdb.ZAdd(ctx, key, redis.Z{Score: float64(time.Now().Add(-2 * time.Minute).UnixMilli()), Member: "expired"})
		gs, _ := st.New(newRequest(""), "g")
		gs.Options.MaxAge = 120
		gs.Values["gatehouse"] = &session.Session{Issuer: "https://op", Subject: "carol"}
		if err := st.Save(newRequest(""), newRecorderFor(), gs); err != nil {
			t.Fatal(err)
		}
		if m := rdb.ZRange(ctx, key, 0, -1).Val(); len(m) != 1 || m[0] != sha256hex(gs.ID) {
			t.Errorf("index members %q, want only the new session's hash", m)
		}
		if ttl := rdb.TTL(ctx, key).Val(); ttl < 175*time.Second || ttl > 180*time.Second {
			t.Errorf("index TTL %v, want the session's (120 s) plus a minute", ttl)
		}
	})
}

// testIndex: back-channel logout by sid ends that one session, by subject
// every session of the user at that issuer, and nothing else.
func testIndex(t *testing.T, st *redisstore.Store) {
	m := manager(t, st)
	ctx := context.Background()
	a1 := login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s1"})
	a2 := login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s2"})
	a3 := login(t, m, &session.Session{Issuer: "https://other-op", Subject: "alice", SID: "s1"})
	b1 := login(t, m, &session.Session{Issuer: "https://op", Subject: "bob", SID: "s3"})
	alive := func(what string, want map[string]bool) {
		t.Helper()
		for name, c := range map[string]string{"a1": a1, "a2": a2, "a3": a3, "b1": b1} {
			if _, err := load(m, c); (err == nil) != want[name] {
				t.Errorf("%s: session %s: %v, want alive %v", what, name, err, want[name])
			}
		}
	}
	if n, err := st.DeleteBySID(ctx, "https://op", "nope"); n != 0 || err != nil {
		t.Errorf("unknown sid: %d %v", n, err)
	}
	n, err := m.EndSessions(ctx, "https://op", "s1", "")
	if err != nil || n != 1 {
		t.Fatalf("by sid: %d %v, want 1", n, err)
	}
	alive("after logout by sid", map[string]bool{"a2": true, "a3": true, "b1": true})
	// a1's session left alice's subject set with its sid set.
	n, err = m.EndSessions(ctx, "https://op", "", "alice")
	if err != nil || n != 1 {
		t.Fatalf("by subject: %d %v, want 1", n, err)
	}
	alive("after logout by subject", map[string]bool{"a3": true, "b1": true})
	if n, err := st.DeleteBySubject(ctx, "https://op", "alice"); n != 0 || err != nil {
		t.Errorf("by subject again: %d %v", n, err)
	}
	// Logged out the ordinary way, a session leaves the index.
	b2 := login(t, m, &session.Session{Issuer: "https://op", Subject: "bob", SID: "s4"})
	r := newRequest(b2)
	if err := m.Delete(newRecorderFor(), r); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteBySubject(ctx, "https://op", "bob"); n != 1 || err != nil {
		t.Errorf("bob by subject after one logout: %d %v, want 1 (b1 only)", n, err)
	}
	alive("at the end", map[string]bool{"a3": true})
}
