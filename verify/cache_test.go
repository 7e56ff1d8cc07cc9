package verify

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func cacheSetup(t testing.TB, c Config) (*oidctest.Server, *Verifier) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c.Audiences = []string{"api"}
	v, err := NewVerifier(c, p)
	if err != nil {
		t.Fatal(err)
	}
	return op, v
}

func TestCacheServesRepeatedTokens(t *testing.T) {
	op, v := cacheSetup(t, Config{})
	raw := op.AccessToken("alice", "api", "read")
	t1, err := v.Verify(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := v.Verify(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if v.cache.len() != 1 {
		t.Errorf("cache holds %d entries, want 1", v.cache.len())
	}
	if t1 != t2 || t2.Subject != "alice" || t2.Raw != raw {
		t.Error("a hit must hand out the Token the first call returned (shared, no copy)")
	}
	// A token differing in one byte is not served from the cache.
	last := "A"
	if raw[len(raw)-1] == 'A' {
		last = "Q"
	}
	if _, err := v.Verify(t.Context(), raw[:len(raw)-1]+last); err == nil {
		t.Error("a changed token was accepted")
	}
}

func TestCacheRechecksTime(t *testing.T) {
	now := time.Now()
	op, v := cacheSetup(t, Config{Leeway: -1, Now: func() time.Time { return now }})
	raw := op.Sign(oidctest.Token{Claims: map[string]any{"iss": op.Issuer(), "sub": "a", "aud": "api", "exp": now.Add(time.Minute).Unix()}})
	if _, err := v.Verify(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := v.Verify(t.Context(), raw); !errors.Is(err, ErrExpired) {
		t.Errorf("cached token past exp: %v, want ErrExpired", err)
	}
	if v.cache.len() != 0 {
		t.Error("the expired entry was kept")
	}
}

func TestCacheDroppedWhenKeysChange(t *testing.T) {
	op, v := cacheSetup(t, Config{})
	old := op.AccessToken("alice", "api")
	if _, err := v.Verify(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	op.RotateKeys()
	op.RetireOldKeys()
	// A token under the new key makes the verifier fetch the new set.
	if _, err := v.Verify(t.Context(), op.AccessToken("bob", "api")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), old); !errors.Is(err, ErrInvalid) {
		t.Errorf("token of a retired key after the key set changed: %v, want ErrInvalid", err)
	}
}

func TestCacheBounded(t *testing.T) {
	op, v := cacheSetup(t, Config{CacheSize: 16})
	for i := range 100 {
		if _, err := v.Verify(t.Context(), op.AccessToken(fmt.Sprint("user", i), "api")); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.cache.len(); n > 16 {
		t.Errorf("cache holds %d entries, bound 16", n)
	}
	// At the bound, the newest token is still cached and served.
	last := op.AccessToken("newest", "api")
	if _, err := v.Verify(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	if e, _ := v.cache.lookup(last); e == nil {
		t.Error("a full cache did not take the newest token")
	}
	if n := v.cache.len(); n > 16 {
		t.Errorf("cache holds %d entries after one more, bound 16", n)
	}
	_, off := cacheSetup(t, Config{CacheSize: -1})
	if off.cache != nil {
		t.Error("CacheSize -1 did not turn the cache off")
	}
}

func TestCacheSizeRounded(t *testing.T) {
	for _, c := range []struct{ size, want int }{{1, 8}, {8, 8}, {9, 16}, {100, 128}, {4096, 4096}} {
		if got := newTokenCache(c.size).cap(); got != c.want {
			t.Errorf("CacheSize %d holds %d slots, want %d", c.size, got, c.want)
		}
	}
}

// BenchmarkVerifyWarmParallel is the cache path on every core at once, the
// same token from all of them (the worst case for a shared lock): with
// -cpu 1,2 the ns/op at 2 should be about half that at 1.
func BenchmarkVerifyWarmParallel(b *testing.B) {
	op, v := cacheSetup(b, Config{})
	raw := op.AccessToken("alice", "api", "read write")
	if _, err := v.Verify(b.Context(), raw); err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(ctx, raw); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyWarm is a token verified before: the cache path.
func BenchmarkVerifyWarm(b *testing.B) {
	op, v := cacheSetup(b, Config{})
	raw := op.AccessToken("alice", "api", "read write")
	if _, err := v.Verify(b.Context(), raw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(b.Context(), raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCacheHoldsWhatFits: 10 000 tokens in a cache of 16 384 slots are all
// found again (a few may overflow both their sets: at most 0.5 %, where one
// set per token lost about 3 % on every round).
func TestCacheHoldsWhatFits(t *testing.T) {
	c := newTokenCache(16384)
	raws := make([]string, 10000)
	for i := range raws {
		raws[i] = fmt.Sprint("token-", i)
		_, h := c.lookup(raws[i])
		c.store(&cacheEntry{hash: h, raw: raws[i], tok: &Token{}})
	}
	missed := 0
	for _, raw := range raws {
		if e, _ := c.lookup(raw); e == nil {
			missed++
		}
	}
	if missed > len(raws)/200 {
		t.Errorf("%d of %d tokens that fit were not found again", missed, len(raws))
	}
}
