package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
)

func TestMemoryDenyListExtendAndExpire(t *testing.T) {
	ctx := context.Background()
	d := session.NewMemoryDenyList(2)
	now := time.Now()
	d.Deny(ctx, "a", now.Add(50*time.Millisecond))
	d.Deny(ctx, "a", now.Add(time.Hour)) // extended, not duplicated
	d.Deny(ctx, "b", now.Add(2*time.Hour))
	d.Deny(ctx, "gone", now.Add(-time.Hour))
	for id, want := range map[string]bool{"a": true, "b": true, "gone": false} {
		if got, _ := d.Denied(ctx, id); got != want {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
	d.Deny(ctx, "c", now.Add(3*time.Hour))
	if got, _ := d.Denied(ctx, "a"); got {
		t.Error("full: the entry closest to expiry must go first")
	}
	// An entry denied for 20 ms is gone 30 ms later, on synctest's clock.
	synctest.Test(t, func(t *testing.T) {
		short := session.NewMemoryDenyList(10)
		short.Deny(ctx, "x", time.Now().Add(20*time.Millisecond))
		if got, _ := short.Denied(ctx, "x"); !got {
			t.Error("an entry is not denied before it expires")
		}
		time.Sleep(30 * time.Millisecond)
		if got, _ := short.Denied(ctx, "x"); got {
			t.Error("an expired entry is still denied")
		}
	})
}

func TestMemoryDenyListConcurrent(t *testing.T) {
	ctx := context.Background()
	d := session.NewMemoryDenyList(1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				id := fmt.Sprint(g, "-", i)
				d.Deny(ctx, id, time.Now().Add(time.Duration(i)*time.Second+time.Second))
				d.Denied(ctx, id)
			}
		})
	}
	wg.Wait()
	n := 0
	for g := range 8 {
		for i := range 2000 {
			if ok, _ := d.Denied(ctx, fmt.Sprint(g, "-", i)); ok {
				n++
			}
		}
	}
	if n == 0 || n > 1000 {
		t.Errorf("%d entries kept, bound 1000", n)
	}
}

// The default deny list runs on the Manager's clock: a logout under a
// clock far behind real time still refuses copies of the cookie.
func TestDefaultDenyListUsesManagerClock(t *testing.T) {
	past := time.Now().Add(-72 * time.Hour)
	store, _ := session.NewCookieStore(hashKey, blockKey)
	m, _ := session.New(session.Config{Store: store, Now: func() time.Time { return past }})
	r := login(t, m, sample(10))
	copied := fresh(r)
	if err := m.Delete(httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(copied); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("a copy after logout: %v, want ErrNoSession", err)
	}
}

func BenchmarkMemoryDenyListFull(b *testing.B) {
	ctx := context.Background()
	d := session.NewMemoryDenyList(100000)
	now := time.Now()
	for i := range 100000 {
		d.Deny(ctx, fmt.Sprint(i), now.Add(time.Hour+time.Duration(i)*time.Millisecond))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		d.Deny(ctx, fmt.Sprint("n", i), now.Add(2*time.Hour))
	}
}
