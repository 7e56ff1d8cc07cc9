package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/internal/redisserver"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/session/storetest"
)

// Redis Sentinel: a master, one replica and one sentinel. The store passes
// the conformance suite through go-redis's failover client; then the master
// is failed over to the replica: a session saved before the failover is
// read afterwards through the same client, a change to it is saved, and the
// old master becomes a read-only replica.
func TestSentinelFailover(t *testing.T) {
	master := redistest.Start(t)
	mhost, mport, _ := strings.Cut(master.Addr, ":")
	replica := redistest.Start(t, "--replicaof", mhost, mport)
	sentinel := redisserver.Sentinel(t, "gatehouse", master.Addr)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{MasterName: "gatehouse", Addrs: []string{sentinel.Addr},
		DialTimeout: 300 * time.Millisecond, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	if _, ok := rdb.(*redis.Client); !ok {
		t.Fatalf("UniversalClient with MasterName is a %T, want a failover *redis.Client", rdb)
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.Addr})
	t.Cleanup(func() { sc.Close() })
	ctx := t.Context()

	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) sessions.Store { return newStore(t, rdb, redisstore.Config{}) })
	})

	st := newStore(t, rdb, redisstore.Config{Timeout: 2 * time.Second})
	m := manager(t, st)
	cookie := login(t, m, &session.Session{Issuer: "https://op.example", Subject: "alice", SID: "sid-1",
		AccessToken: "at-before-failover"})
	// The replica must have the session before the master is given up.
	waitFor(t, "the replica to catch up", func() bool {
		n, err := rdb.Do(ctx, "WAIT", 1, 1000).Int()
		return err == nil && n == 1
	})
	// Sentinel must know the replica before it can promote it.
	waitFor(t, "sentinel to find the replica", func() bool {
		rs, err := sc.Replicas(ctx, "gatehouse").Result()
		return err == nil && len(rs) == 1 && !strings.Contains(rs[0]["flags"], "down")
	})
	if err := sc.Failover(ctx, "gatehouse").Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	waitFor(t, "the replica to be promoted", func() bool {
		addr, err := sc.GetMasterAddrByName(ctx, "gatehouse").Result()
		return err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == replica.Addr
	})

	var s *session.Session
	waitFor(t, "the session through the new master", func() bool {
		var err error
		s, err = m.Load(newRequest(cookie))
		return err == nil && s != nil
	})
	if s.Subject != "alice" || s.AccessToken != "at-before-failover" {
		t.Fatalf("after failover the session is %+v", s)
	}
	// Sentinel turns the old master into a replica: it refuses writes, so
	// no session can be saved where the others will not see it. Until it
	// has, a client still connected to it could write there, and Redis
	// drops that write when the old master follows the new one (its
	// replication is asynchronous): the write below waits for that.
	om := redis.NewClient(&redis.Options{Addr: master.Addr})
	defer om.Close()
	waitFor(t, "the old master to become a replica", func() bool {
		role, err := om.Do(ctx, "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "slave"
	})
	if err := om.Set(ctx, "x", "y", 0).Err(); err == nil || !strings.Contains(err.Error(), "READONLY") {
		t.Fatalf("a write to the old master: %v, want READONLY", err)
	}
	s.AccessToken = "at-after-failover"
	waitFor(t, "a write through the new master", func() bool {
		return m.Save(newRecorderFor(), newRequest(cookie), s) == nil
	})
	if got, err := m.Load(newRequest(cookie)); err != nil || got == nil || got.AccessToken != "at-after-failover" {
		t.Fatalf("reading back the write after failover: %+v, %v", got, err)
	}
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr})
	defer rc.Close()
	role, err := rc.Do(context.Background(), "ROLE").Slice()
	if err != nil || len(role) == 0 || role[0] != "master" {
		t.Fatalf("the old replica's role: %v, %v", role, err)
	}
}

// waitFor polls ok every 50 ms for up to 30 s: the conditions are states
// of other processes (replication, sentinel's view, a failover), which
// announce nothing this test could wait on; a loaded machine makes it poll
// longer, never fail sooner.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond) // sleep-ok: the poll interval of a condition on other processes
	}
}
