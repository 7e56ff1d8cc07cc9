package verify_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// counter is the cheapest useful Observer: one atomic add per event.
type counter struct{ n atomic.Int64 }

func (c *counter) Observe(context.Context, observe.Event) { c.n.Add(1) }

// BenchmarkObserveVerifyWarm is the warm (cached) Verify with no Observer
// and with one: the overhead of the report, measured on the fastest path.
func BenchmarkObserveVerifyWarm(b *testing.B) {
	for _, c := range []struct {
		name string
		obs  observe.Observer
	}{{"none", nil}, {"observer", &counter{}}} {
		b.Run(c.name, func(b *testing.B) {
			op, v := setup(b, verify.Config{Observer: c.obs})
			raw := op.AccessToken("alice", "api", "read write")
			if _, err := v.Verify(b.Context(), raw); err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
