package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Release and extend only if the lock still holds our token.
var (
	unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
	extendScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
)

// Lock takes a lock named key across every replica using this Redis
// (session.Locker): SET NX with a lease of ttl that a background goroutine
// extends every ttl/3 while it is held, so a slow holder does not lose it.
// It waits, polling, while another holder has it, until ctx ends. The
// returned unlock releases it only if it is still ours (compare-and-delete).
// A caller that waited should read the guarded state again: the previous
// holder may have done the work already.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if ttl < 300*time.Millisecond {
		ttl = 300 * time.Millisecond
	}
	k := s.prefix + "lock:" + s.hash(key)
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	wait := 10 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		ok, err := s.rdb.SetNX(cctx, k, token, ttl).Result()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: taking a lock: %w", ErrUnavailable, err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("redisstore: waiting for a lock: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Add(1)
	go func() {
		defer done.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				cctx, cancel := context.WithTimeout(context.Background(), s.timeout)
				_ = extendScript.Run(cctx, s.rdb, []string{k}, token, ttl.Milliseconds()).Err()
				cancel()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			done.Wait()
			cctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			defer cancel()
			// When this fails the lease expires by itself.
			_ = unlockScript.Run(cctx, s.rdb, []string{k}, token).Err()
		})
	}, nil
}
