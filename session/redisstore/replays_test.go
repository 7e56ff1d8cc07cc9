package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// TestReplayRecord: FirstSeen is true once per key, the key lives under
// Prefix+"dpop:" for ttl (at least 1 ms), and Redis down is ErrUnavailable,
// never a first sight. (Two DPoP verifiers sharing it:
// middleware's TestAttackDPoPProofReplayedOnAnotherReplica.)
func TestReplayRecord(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	if _, err := redisstore.NewReplayRecord(nil, ""); err == nil {
		t.Error("nil client accepted")
	}
	r, err := redisstore.NewReplayRecord(rdb, "p:")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, c := range []struct {
		ttl  time.Duration
		want bool
	}{{30 * time.Second, true}, {time.Hour, false}, {time.Hour, false}} {
		first, err := r.FirstSeen(ctx, "k1", c.ttl)
		if err != nil || first != c.want {
			t.Fatalf("use %d: %v %v, want %v", i+1, first, err, c.want)
		}
	}
	// A later sight does not extend the record.
	if ttl := rdb.PTTL(ctx, "p:dpop:k1").Val(); ttl <= 0 || ttl > 30*time.Second {
		t.Errorf("PTTL %v, want within (0, 30s]", ttl)
	}
	if first, err := r.FirstSeen(ctx, "k2", 0); !first || err != nil {
		t.Fatalf("another key: %v %v", first, err)
	}
	if ttl := rdb.PTTL(ctx, "p:dpop:k2").Val(); ttl > time.Millisecond {
		t.Errorf("ttl 0 recorded for %v, want at most 1 ms", ttl)
	}
	def, _ := redisstore.NewReplayRecord(rdb, "")
	if first, err := def.FirstSeen(ctx, "k1", time.Minute); !first || err != nil {
		t.Fatalf("default prefix: %v %v", first, err)
	}
	if n := rdb.Exists(ctx, "gatehouse:dpop:k1").Val(); n != 1 {
		t.Error("default prefix is not gatehouse:dpop:")
	}

	srv.Stop()
	first, err := r.FirstSeen(ctx, "k3", time.Minute)
	if first || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("Redis down: %v %v, want false and ErrUnavailable", first, err)
	}
}
