package verify_test

import (
	"context"
	"fmt"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Verify opaque access tokens by introspection (RFC 7662), and JWTs locally,
// behind one TokenVerifier.
func ExampleIntrospector_Verify() {
	op := oidctest.NewServer() // stands in for https://accounts.example.com
	defer op.Close()
	ctx := context.Background()

	provider, err := verify.Discover(ctx, op.URL, nil) // advertises introspection_endpoint
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	introspector, err := verify.NewIntrospector(verify.IntrospectionConfig{
		Provider: provider,
		// The API's own client credentials at the authorization server.
		ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		Audiences: []string{"https://api.example.com"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	jwts, err := verify.NewVerifier(verify.Config{Audiences: []string{"https://api.example.com"}}, provider)
	if err != nil {
		fmt.Println(err)
		return
	}
	tokens, err := verify.Either(jwts, introspector)
	if err != nil {
		fmt.Println(err)
		return
	}

	// A JWT access token is verified locally; any other is introspected.
	token, err := tokens.Verify(ctx, op.AccessToken("alice", "https://api.example.com", "orders:read"))
	fmt.Println(token.Subject, token.Scopes, err)
	_, err = tokens.Verify(ctx, "an-opaque-token-the-server-never-issued")
	fmt.Println(err)

	// The Introspector alone asks the server about any token, and caches
	// the answer (2 minutes at most, never past exp).
	raw := op.AccessToken("bob", "https://api.example.com", "orders:write")
	for range 3 {
		token, err = introspector.Verify(ctx, raw)
	}
	fmt.Println(token.Subject, token.Scopes, err)
	fmt.Println("introspection calls:", op.Count("introspection"))
	// Output:
	// alice [orders:read] <nil>
	// invalid token: the authorization server reports the token inactive
	// bob [orders:write] <nil>
	// introspection calls: 2
}
