package bench_test

import (
	"testing"
	"time"
)

// BenchmarkVerifyPaired runs floorparse and cold Gatehouse on the same token
// in one loop, alternating which goes first, and times each call: drift on a
// shared host then hits both alike, and the ratio metric
// (gatehouse/floorparse) is steadier than two separate benchmarks.
func BenchmarkVerifyPaired(b *testing.B) {
	f := setup()
	byName := map[string]contender{}
	for _, c := range f.contends {
		byName[c.name] = c
	}
	fp, gh := byName["floorparse"], byName["gatehouse"]
	for _, alg := range algs {
		raw := f.tokens[alg]
		b.Run(alg, func(b *testing.B) {
			var tf, tg time.Duration
			timed := func(c contender) time.Duration {
				t0 := time.Now()
				if err := c.verify(alg, raw); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					tf += timed(fp)
					tg += timed(gh)
				} else {
					tg += timed(gh)
					tf += timed(fp)
				}
				i++
			}
			b.ReportMetric(float64(tf.Nanoseconds())/float64(i), "floorparse-ns/op")
			b.ReportMetric(float64(tg.Nanoseconds())/float64(i), "gatehouse-ns/op")
			b.ReportMetric(float64(tg)/float64(tf), "gatehouse/floorparse")
		})
	}
}
