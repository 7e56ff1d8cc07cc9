package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// cmdWatch is a go-redis hook that records each command once Redis has
// answered it (or it failed), so that a test waits for the store's own
// steps (a lock attempt refused, a lease extended) instead of for time to
// pass, and sees the deadline each command ran under.
type cmdWatch struct {
	mu    sync.Mutex
	done  []answered
	added chan struct{} // closed and replaced at each command
}

// answered is a command and Redis's answer, copied in the hook (go-redis
// changes the command after the hook returns).
type answered struct {
	name     string
	args     []any
	val      any // an int64 or bool answer; nil for others
	err      error
	deadline time.Duration // how far its context's deadline was when it was sent; 0: none
}

// watchCommands installs a cmdWatch on rdb.
func watchCommands(rdb redis.UniversalClient) *cmdWatch {
	w := &cmdWatch{added: make(chan struct{})}
	rdb.AddHook(w)
	return w
}

func (w *cmdWatch) DialHook(next redis.DialHook) redis.DialHook { return next }

func (w *cmdWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		deadline := until(ctx)
		err := next(ctx, cmd)
		w.add(deadline, err, cmd)
		return err
	}
}

func (w *cmdWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		deadline := until(ctx)
		err := next(ctx, cmds)
		w.add(deadline, err, cmds...)
		return err
	}
}

// until is how far ctx's deadline is; 0 when it has none.
func until(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return 0
}

func (w *cmdWatch) add(deadline time.Duration, err error, cmds ...redis.Cmder) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, cmd := range cmds {
		a := answered{name: cmd.Name(), args: cmd.Args(), err: cmd.Err(), deadline: deadline}
		if a.err == nil {
			a.err = err
		}
		switch c := cmd.(type) {
		case *redis.BoolCmd:
			a.val = c.Val()
		case *redis.Cmd:
			a.val = c.Val()
		}
		w.done = append(w.done, a)
	}
	close(w.added)
	w.added = make(chan struct{})
}

// all returns the commands answered so far.
func (w *cmdWatch) all() []answered {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]answered(nil), w.done...)
}

// await returns once n answered commands match ok. Its bound only guards
// against a hang; nothing is measured.
func (w *cmdWatch) await(t *testing.T, what string, n int, ok func(answered) bool) {
	t.Helper()
	guard := time.NewTimer(30 * time.Second)
	defer guard.Stop()
	for {
		w.mu.Lock()
		added := w.added
		w.mu.Unlock()
		seen := 0
		for _, c := range w.all() {
			if ok(c) {
				seen++
			}
		}
		if seen >= n {
			return
		}
		select {
		case <-added:
		case <-guard.C:
			t.Fatalf("no %s within 30 s (%d of %d)", what, seen, n)
		}
	}
}
