package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

func TestLock(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	t.Run("Exclusion", func(t *testing.T) { testLockExclusion(t, newStore(t, rdb, redisstore.Config{})) })

	// Held past its initial lease, the lock stays held: the lease is
	// extended every ttl/3.
	t.Run("LeaseExtended", func(t *testing.T) {
		st := newStore(t, rdb, redisstore.Config{Prefix: "lease:"})
		ctx := context.Background()
		unlock, err := st.Lock(ctx, "k", 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if ttl := rdb.PTTL(ctx, lockKey("lease:", "k")).Val(); ttl <= 0 || ttl > 300*time.Millisecond {
			t.Errorf("lease after 1 s: %v, want extended within 300 ms", ttl)
		}
		wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		if _, err := st.Lock(wctx, "k", time.Second); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second holder while the first holds it past its ttl: %v", err)
		}
		unlock()
		unlock() // twice is harmless
		if n := rdb.Exists(ctx, lockKey("lease:", "k")).Val(); n != 0 {
			t.Error("unlock left the lock")
		}
	})

	// Only the owner releases: a holder whose lease was lost (here: its
	// key deleted) does not free, nor extend, the lock someone else took.
	t.Run("OwnerOnly", func(t *testing.T) {
		st := newStore(t, rdb, redisstore.Config{Prefix: "own:"})
		ctx := context.Background()
		unlockA, err := st.Lock(ctx, "k", 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		key := lockKey("own:", "k")
		rdb.Del(ctx, key) // A's lease lost
		unlockB, err := st.Lock(ctx, "k", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		tokenB := rdb.Get(ctx, key).Val()
		time.Sleep(250 * time.Millisecond) // A's extender ran at least once
		unlockA()
		if got := rdb.Get(ctx, key).Val(); got != tokenB {
			t.Fatalf("A's unlock freed B's lock (token %q, want %q)", got, tokenB)
		}
		if ttl := rdb.PTTL(ctx, key).Val(); ttl < 4*time.Second {
			t.Errorf("B's lease is %v: A's extender shortened it", ttl)
		}
		unlockB()
		if n := rdb.Exists(ctx, key).Val(); n != 0 {
			t.Error("B's unlock left the lock")
		}
	})

	// A dead holder's lock (never unlocked, never extended) frees itself
	// after its ttl.
	t.Run("Expires", func(t *testing.T) {
		st := newStore(t, rdb, redisstore.Config{Prefix: "exp:"})
		ctx := context.Background()
		rdb.Set(ctx, lockKey("exp:", "k"), "dead-holder", 300*time.Millisecond)
		start := time.Now()
		unlock, err := st.Lock(ctx, "k", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
			t.Errorf("took the dead holder's lock after %v, want after its 300 ms lease", d)
		}
	})

	t.Run("RedisDown", func(t *testing.T) {
		st := newStore(t, client(t, "127.0.0.1:1"), redisstore.Config{})
		if _, err := st.Lock(context.Background(), "k", time.Second); !errors.Is(err, redisstore.ErrUnavailable) {
			t.Errorf("Lock with Redis down: %v, want ErrUnavailable", err)
		}
	})
}

// testLockExclusion: contenders on one key never overlap, and each gets
// the lock in turn.
func testLockExclusion(t *testing.T, st *redisstore.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var inside, overlaps, got atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 3 {
				unlock, err := st.Lock(ctx, "session-x", time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				got.Add(1)
				time.Sleep(5 * time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 || got.Load() != 24 {
		t.Errorf("%d overlaps, %d of 24 acquisitions", overlaps.Load(), got.Load())
	}
}

// lockKey is the Redis key of lock name under prefix: the SHA-256 of the
// name, zero-terminated.
func lockKey(prefix, name string) string { return prefix + "lock:" + sha256hex(name+"\x00") }
