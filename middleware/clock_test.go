package middleware_test

import (
	"sync/atomic"
	"time"
)

// testClock is an injected clock (Config.Now): the real time plus an offset
// the test moves forward, e.g. past half an access token's lifetime to make
// it due for refresh without waiting.
type testClock struct{ off atomic.Int64 }

// Now is the clock's time.
func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// advance moves the clock forward by d.
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }
