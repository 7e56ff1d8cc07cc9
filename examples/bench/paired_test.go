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
	var cs []contender
	for _, c := range f.contends {
		if c.name == "floorparse" || c.name == "gatehouse" {
			cs = append(cs, c)
		}
	}
	paired(b, f.tokens, cs)
}

// paired runs the contenders (the first is the reference) on each alg's
// token in turn within every iteration, rotating the order, a batch of
// pairedBatch calls each, and reports per contender the mean ns per call,
// the fastest batch's ns per call, and its ratio to the reference's: on a
// shared host the fastest batches are the ones no other process
// interrupted, so the ratio of minima is the steadiest figure.
func paired(b *testing.B, tokens map[string]string, cs []contender) {
	for _, alg := range algs {
		raw := tokens[alg]
		b.Run(alg, func(b *testing.B) {
			spent := make([]time.Duration, len(cs))
			best := make([]time.Duration, len(cs))
			n := 0
			for b.Loop() {
				for k := range cs {
					i := (k + n) % len(cs)
					t0 := time.Now()
					for range pairedBatch {
						if err := cs[i].verify(alg, raw); err != nil {
							b.Fatal(err)
						}
					}
					d := time.Since(t0)
					spent[i] += d
					if best[i] == 0 || d < best[i] {
						best[i] = d
					}
				}
				n++
			}
			for i, c := range cs {
				b.ReportMetric(float64(spent[i].Nanoseconds())/float64(n*pairedBatch), c.name+"-ns/op")
				b.ReportMetric(float64(best[i].Nanoseconds())/pairedBatch, c.name+"-min-ns/op")
				if i > 0 {
					b.ReportMetric(float64(best[i])/float64(best[0]), c.name+"/"+cs[0].name)
				}
			}
		})
	}
}

// pairedBatch is how many calls one timed batch makes.
const pairedBatch = 4
