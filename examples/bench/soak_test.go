package bench_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestSoak verifies a stream of ever-new tokens (the worst case for the
// verified-token cache) for SOAK (e.g. SOAK=10m; skipped when unset) and
// samples the heap every tenth of the run: it must stay flat.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set SOAK=10m to run the soak test")
	}
	f := setup()
	p, err := verify.Discover(context.Background(), f.op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	// A pool of tokens larger than the cache, minted once (signing is not
	// what is measured), with fresh jti values.
	pool := make([]string, 20000)
	for i := range pool {
		c := claims(f.op)
		c["jti"] = fmt.Sprint("soak-", i)
		pool[i] = f.op.Sign(oidctest.Token{Alg: "EdDSA", Claims: c})
	}
	var samples []uint64
	end := time.Now().Add(d)
	next := time.Now()
	n := 0
	for time.Now().Before(end) {
		if _, err := v.Verify(context.Background(), pool[n%len(pool)]); err != nil {
			t.Fatal(err)
		}
		n++
		if time.Now().After(next) {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			samples = append(samples, m.HeapInuse)
			t.Logf("%6d s: %8d verifications, heap in use %6.1f MB, goroutines %d", int(time.Until(end).Seconds()), n, float64(m.HeapInuse)/(1<<20), runtime.NumGoroutine())
			next = time.Now().Add(d / 10)
		}
	}
	if len(samples) >= 3 {
		// Compare the end with the sample after warm-up.
		if last, warm := samples[len(samples)-1], samples[1]; float64(last) > float64(warm)*1.25+(4<<20) {
			t.Errorf("heap grew from %d to %d bytes", warm, last)
		}
	}
}
