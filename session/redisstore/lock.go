package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Extend a lock while it holds our token (1), or take it back when nobody
// holds it (2: the lease ran out while Redis was unreachable, or a failover
// lost it), never when someone else does (0); release it only while it
// holds our token. One key each: fine on Redis Cluster.
var (
	extendScript = redis.NewScript(`local v = redis.call("GET", KEYS[1])
if v == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
if v == false then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return 2 end
return 0`)
	unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
)

// Lock bounds.
const (
	// minLockTTL is the shortest lease Lock takes; a shorter ttl is raised
	// to it, so that extensions every ttl/3 stay well apart.
	minLockTTL  = 300 * time.Millisecond
	lockWaitMin = 5 * time.Millisecond
	lockWaitMax = 200 * time.Millisecond
	// lockRetry is how soon an extension that Redis did not answer is
	// tried again (at most ttl/3): soon, to hold the lease again as soon as
	// Redis is back.
	lockRetry = 100 * time.Millisecond
)

// Lock takes the lock named key across every replica sharing this Redis
// (session.Locker). It sets the lock's key with SET NX and a lease of ttl,
// holding a random token; while held, a goroutine extends the lease every
// ttl/3 (compare-and-extend), so a slow holder keeps it, and takes it back
// when its key is gone while nobody else holds it (a lease that ran out
// while Redis was unreachable); unlock releases it only while it is still
// ours (compare-and-delete), and may be called more than once. When the
// holder dies without unlocking, the lease runs out after ttl. A ttl
// under 300 ms is raised to 300 ms, so that extensions stay well apart.
//
// While someone else holds the lock, Lock waits, polling with a growing,
// jittered backoff (5 ms up to 200 ms), until it gets it or ctx ends.
// Redis failures return errors matching ErrUnavailable.
//
// The caller must read the guarded state again after Lock returns
// (session.Manager.Lock does, for a session): the previous holder, maybe on
// another replica, may have done the work already, e.g. refreshed the
// tokens and rotated the refresh token the caller was about to use.
//
// A lease can still be lost, when Redis is unreachable for longer than ttl
// or fails over before replicating the key, and someone else takes the
// lock before the holder takes it back: keep the guarded work itself
// safe to repeat where it matters (providers accept a refresh token once,
// so the loser gets invalid_grant and must re-read the session).
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error) {
	ttl = max(ttl, minLockTTL)
	k := s.lockKey(key)
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	wait := lockWaitMin
	for {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		ok, err := s.rdb.SetNX(cctx, k, token, ttl).Result()
		cancel()
		switch {
		case ok:
			return s.hold(k, token, ttl), nil
		case ctx.Err() != nil:
			return nil, fmt.Errorf("redisstore: waiting for a lock: %w", ctx.Err())
		case err != nil:
			return nil, fmt.Errorf("%w: taking a lock: %w", ErrUnavailable, err)
		}
		t := time.NewTimer(wait/2 + mrand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redisstore: waiting for a lock: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, lockWaitMax)
	}
}

// hold extends the lease of lock k every ttl/3 until the returned unlock
// is called, which then releases it.
func (s *Store) hold(k, token string, ttl time.Duration) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait := ttl / 3
		for {
			t := time.NewTimer(wait)
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), min(s.timeout, ttl/3))
			n, err := extendScript.Run(ctx, s.rdb, []string{k}, token, ttl.Milliseconds()).Int()
			cancel()
			switch {
			case err != nil:
				wait = min(lockRetry, ttl/3) // Redis unreachable: try again soon
			case n == 0:
				return // taken over: nothing left to extend
			default:
				wait = ttl / 3
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			defer cancel()
			// On failure the lease runs out by itself.
			_ = unlockScript.Run(ctx, s.rdb, []string{k}, token).Err()
		})
	}
}
