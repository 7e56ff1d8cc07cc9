package redisstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

func TestLock(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	t.Run("Exclusion", func(t *testing.T) { testLockExclusion(t, rdb, newStore(t, rdb, redisstore.Config{})) })

	// Held past its initial lease, the lock stays held: the lease is
	// extended every ttl/3. Four extensions have happened only once more
	// than 4*ttl/3 has passed (a ticker never fires early): waiting for
	// them, not for a duration, puts the holder past its first lease. A 1 s
	// lease leaves a loaded machine 2/3 s to run each extension.
	t.Run("LeaseExtended", func(t *testing.T) {
		rdb := client(t, srv.Addr)
		w := watchCommands(rdb)
		st := newStore(t, rdb, redisstore.Config{Prefix: "lease:"})
		ctx := context.Background()
		key := lockKey("lease:", "k")
		unlock, err := st.Lock(ctx, "k", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		w.await(t, "four extensions of the lease", 4, extension(key, time.Second, 1))
		if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 || ttl > time.Second {
			t.Errorf("lease after four extensions: %v, want extended within 1 s", ttl)
		}
		wctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() { _, err := st.Lock(wctx, "k", time.Second); errc <- err }()
		w.await(t, "a second holder refused twice", 2, refused(key))
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("second holder while the first holds it past its ttl: %v", err)
		}
		unlock()
		unlock() // twice is harmless
		if n := rdb.Exists(ctx, key).Val(); n != 0 {
			t.Error("unlock left the lock")
		}
	})

	// Only the owner releases: a holder whose lease was lost (here: its
	// key deleted) does not free, nor extend, the lock someone else took.
	t.Run("OwnerOnly", func(t *testing.T) {
		rdb := client(t, srv.Addr)
		w := watchCommands(rdb)
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
		w.await(t, "A's extender to find its lease lost", 1, extension(key, 300*time.Millisecond, 0))
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
	// when its lease runs out, not before. The lease is made to run out by
	// PEXPIRE, on Redis's own clock, instead of waiting for it.
	t.Run("Expires", func(t *testing.T) {
		rdb := client(t, srv.Addr)
		w := watchCommands(rdb)
		st := newStore(t, rdb, redisstore.Config{Prefix: "exp:"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang guard
		defer cancel()
		key := lockKey("exp:", "k")
		rdb.Set(ctx, key, "dead-holder", time.Hour)
		got := make(chan func(), 1)
		go func() {
			unlock, err := st.Lock(ctx, "k", time.Second)
			if err != nil {
				t.Error(err)
				unlock = func() {}
			}
			got <- unlock
		}()
		w.await(t, "the contender refused twice", 2, refused(key))
		select {
		case unlock := <-got:
			unlock()
			t.Fatal("took the lock while the dead holder's lease was alive")
		default:
		}
		rdb.PExpire(ctx, key, time.Millisecond) // the lease runs out
		unlock := <-got
		defer unlock()
		if v := rdb.Get(ctx, key).Val(); v == "dead-holder" || v == "" {
			t.Errorf("after the dead holder's lease ran out the lock holds %q", v)
		}
	})

	// A lease shorter than 300 ms is taken for 300 ms, so that the
	// extensions every ttl/3 stay well apart.
	t.Run("ShortLeaseRaised", func(t *testing.T) {
		rdb := client(t, srv.Addr)
		w := watchCommands(rdb)
		st := newStore(t, rdb, redisstore.Config{Prefix: "short:"})
		key := lockKey("short:", "k")
		unlock, err := st.Lock(context.Background(), "k", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		for _, c := range w.all() {
			if c.name == "set" && len(c.args) > 1 && c.args[1] == key && c.val == true {
				if !slices.Contains(c.args, any("px")) || !slices.Contains(c.args, any(int64(300))) {
					t.Errorf("lock taken with %v, want a lease of px 300", c.args)
				}
				return
			}
		}
		t.Fatal("no SET NX took the lock")
	})

	t.Run("RedisDown", func(t *testing.T) {
		st := newStore(t, client(t, "127.0.0.1:1"), redisstore.Config{})
		if _, err := st.Lock(context.Background(), "k", time.Second); !errors.Is(err, redisstore.ErrUnavailable) {
			t.Errorf("Lock with Redis down: %v, want ErrUnavailable", err)
		}
	})
}

// testLockExclusion: contenders on one key never overlap, and each gets
// the lock in turn. Each holds it for a Redis round trip (an INCR of a
// counter), so an overlap would have time to show.
func testLockExclusion(t *testing.T, rdb redis.UniversalClient, st *redisstore.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	counter := "exclusion:" + time.Now().Format("150405.000000000")
	defer rdb.Del(context.Background(), counter)
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
				if err := rdb.Incr(ctx, counter).Err(); err != nil {
					t.Error(err)
				}
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 || got.Load() != 24 {
		t.Errorf("%d overlaps, %d of 24 acquisitions", overlaps.Load(), got.Load())
	}
	if n, _ := rdb.Get(ctx, counter).Int(); n != 24 {
		t.Errorf("the holders counted %d in Redis, want 24", n)
	}
}

// lockKey is the Redis key of lock name under prefix: the SHA-256 of the
// name, zero-terminated.
func lockKey(prefix, name string) string { return prefix + "lock:" + sha256hex(name+"\x00") }

// refused matches an attempt to take lock key (SET NX) that Redis refused.
func refused(key string) func(answered) bool {
	return func(c answered) bool {
		return c.name == "set" && len(c.args) > 1 && c.args[1] == key && c.err == nil && c.val == false
	}
}

// extension matches a compare-and-extend of lock key to ttl that Redis
// answered with n (1 extended, 0 not ours any more).
func extension(key string, ttl time.Duration, n int64) func(answered) bool {
	return func(c answered) bool {
		a := c.args
		return (c.name == "evalsha" || c.name == "eval") && len(a) == 6 && a[3] == key && a[5] == ttl.Milliseconds() &&
			c.err == nil && c.val == n
	}
}
