package outbound_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Call an API machine-to-machine: the client fetches a token with the
// client-credentials grant once and reuses it.
func ExampleNew() {
	op := oidctest.NewServer() // stands in for the provider's token endpoint
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("Authorization") != "")
	}))
	defer api.Close()

	client, err := outbound.New(outbound.Config{
		TokenURL:       op.URL + "/token",
		ClientID:       op.ClientID,
		ClientSecret:   op.ClientSecret,
		Scopes:         []string{"reports:read"},
		EndpointParams: map[string][]string{"audience": {"https://api.example.com"}},
	})
	if err != nil {
		panic(err)
	}
	for range 3 {
		resp, err := client.Get(api.URL)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	fmt.Println("token requests:", op.Count("token:client_credentials"))
	// Output:
	// 200 true
	// 200 true
	// 200 true
	// token requests: 1
}

// NewTransport for a client of your own (timeouts, redirects, a cookie jar):
// the token is added to each request; the caller's request is not changed.
func ExampleNewTransport() {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer api.Close()

	tr, err := outbound.NewTransport(outbound.Config{
		TokenURL:     op.URL + "/token",
		ClientID:     op.ClientID,
		ClientSecret: op.ClientSecret,
		AuthStyle:    verify.ClientSecretPost, // as the provider requires; never guessed
	})
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	req, _ := http.NewRequest("GET", api.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body), req.Header.Get("Authorization") == "")
	// Output: true true
}

// BenchmarkClientTokenReuse is a request to a local API through the
// client-credentials transport with a cached token ("token"), next to the
// same request through a bare http.Client, without the header ("bare") and
// with the same header set by hand ("bare+header"): token minus bare+header
