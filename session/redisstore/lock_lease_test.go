package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// A holder whose lease is gone while nobody else holds the lock (it ran out
// while Redis was unreachable; here its key is deleted) takes it back at
// its next extension, so a contender arriving later waits instead of
// running the guarded work beside it; unlock then releases it.
func TestLockLeaseTakenBackWhenLostWithoutRival(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	w := watchCommands(rdb)
	st := newStore(t, rdb, redisstore.Config{Prefix: "back:"})
	ctx := context.Background()
	key := lockKey("back:", "k")
	unlock, err := st.Lock(ctx, "k", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	token := rdb.Get(ctx, key).Val()
	rdb.Del(ctx, key) // the lease is gone
	w.await(t, "the holder to take its lease back", 1, extension(key, time.Second, 2))
	if got, ttl := rdb.Get(ctx, key).Val(), rdb.PTTL(ctx, key).Val(); got != token || ttl <= 0 || ttl > time.Second {
		t.Fatalf("after taking it back the lock holds %q for %v, want the holder's token for at most 1 s", got, ttl)
	}
	wctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { _, err := st.Lock(wctx, "k", time.Second); errc <- err }()
	w.await(t, "a contender refused twice", 2, refused(key))
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("a contender after the lease was taken back: %v", err)
	}
	unlock()
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Error("unlock left the lock")
	}
}
