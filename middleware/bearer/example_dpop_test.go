package bearer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// An API that accepts only DPoP-bound tokens, called by a client whose
// tokens are bound to its key: the client signs a proof for every request,
// and answers the API's nonce challenge by itself.
func ExampleConfig_dPoP() {
	op := oidctest.NewServer() // stands in for the provider
	defer op.Close()
	provider, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		panic(err)
	}
	defer provider.Close()
	verifier, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, provider)
	dpop, _ := verify.NewDPoPVerifier(verify.DPoPConfig{RequireNonce: true})
	protect, err := bearer.New(bearer.Config{Verifier: verifier, DPoP: dpop, RequireDPoP: true})
	if err != nil {
		panic(err)
	}
	api := httptest.NewServer(protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		fmt.Fprint(w, tok.Subject, " bound: ", tok.Confirmation.JKT != "")
	})))
	defer api.Close()

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // the client's DPoP key
	client, err := outbound.New(outbound.Config{
		TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		DPoPKey: key,
	})
	if err != nil {
		panic(err)
	}
	resp, err := client.Get(api.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 gatehouse-test bound: true
}
