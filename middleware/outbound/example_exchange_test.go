package outbound_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// An API that calls another API on its caller's behalf: the caller's token
// (for "orders") is exchanged (RFC 8693) for one meant for "billing", once
// per caller's token.
func ExampleNewExchange() {
	op := oidctest.NewServer() // stands in for your OpenID provider
	defer op.Close()
	provider, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		panic(err)
	}
	defer provider.Close()
	verifierFor := func(aud string) *verify.Verifier {
		v, err := verify.NewVerifier(verify.Config{Audiences: []string{aud}}, provider)
		if err != nil {
			panic(err)
		}
		return v
	}

	billing := httptest.NewServer(bearer.Protect(verifierFor("billing"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		fmt.Fprintf(w, "billing serves %s (token for %s)", tok.Subject, strings.Join(tok.Audience, ","))
	})))
	defer billing.Close()

	downstream, err := outbound.NewExchange(outbound.Config{
		Provider: provider, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		EndpointParams: url.Values{"audience": {"billing"}},
	})
	if err != nil {
		panic(err)
	}
	orders := httptest.NewServer(bearer.Protect(verifierFor("orders"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", billing.URL, nil) // the caller's context
		resp, err := downstream.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})))
	defer orders.Close()

	alice := op.AccessToken("alice", "orders", "read")
	for range 2 {
		req, _ := http.NewRequest("GET", orders.URL, nil)
		req.Header.Set("Authorization", "Bearer "+alice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	fmt.Println("exchanges:", op.Count("token:urn:ietf:params:oauth:grant-type:token-exchange"))
	// Output:
	// 200 billing serves alice (token for billing)
	// 200 billing serves alice (token for billing)
	// exchanges: 1
}
