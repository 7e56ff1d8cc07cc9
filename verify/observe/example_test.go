package observe_test

import (
	"context"
	"fmt"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// printer is an Observer that prints what it is told.
type printer struct{}

func (printer) Observe(_ context.Context, e observe.Event) {
	fmt.Println(e.Kind, e.Outcome, e.Reason, "keys:", e.Count, "cached:", e.Cached)
}

// One Observer set in the provider's and the verifier's configuration sees
// the key-set fetch and every verification.
func ExampleObserver() {
	op := oidctest.NewServer()
	defer op.Close()
	ctx := context.Background()
	p, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: op.URL, Observer: printer{}})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, Observer: printer{}}, p)
	if err != nil {
		panic(err)
	}
	tok := op.AccessToken("alice", "api")
	v.Verify(ctx, tok)
	v.Verify(ctx, tok)
	v.Verify(ctx, op.AccessToken("alice", "another-api"))
	// Output:
	// key_fetch ok  keys: 3 cached: false
	// verify ok  keys: 0 cached: false
	// verify ok  keys: 0 cached: true
	// verify refused audience keys: 0 cached: false
}
