package verify_test

import (
	"context"
	"fmt"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Discover a provider, build a Verifier for your API's audience, and verify
// an access token.
func ExampleVerifier_Verify() {
	op := oidctest.NewServer() // stands in for https://accounts.example.com
	defer op.Close()
	ctx := context.Background()

	provider, err := verify.Discover(ctx, op.URL, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{"https://api.example.com"}}, provider)
	if err != nil {
		fmt.Println(err)
		return
	}

	token, err := verifier.Verify(ctx, op.AccessToken("alice", "https://api.example.com", "orders:read"))
	fmt.Println(token.Subject, token.Scopes, err)

	_, err = verifier.Verify(ctx, op.AccessToken("alice", "https://other.example.com"))
	fmt.Println(err)
	// Output:
	// alice [orders:read] <nil>
	// invalid token: aud does not contain an accepted audience
}
