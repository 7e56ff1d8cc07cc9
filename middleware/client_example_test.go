package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Call an API machine-to-machine: the client fetches a token with the
// client-credentials grant once and reuses it.
func ExampleNewClient() {
	op := oidctest.NewServer() // stands in for the provider's token endpoint
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("Authorization") != "")
	}))
	defer api.Close()

	client, err := middleware.NewClient(middleware.ClientConfig{
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

// BenchmarkClientTokenReuse is a request through the client with a cached
// token; BenchmarkClientBare the same request with a plain http.Client.
func BenchmarkClientTokenReuse(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	c, _ := middleware.NewClient(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	benchGet(b, c, api.URL)
}

func BenchmarkClientBare(b *testing.B) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	benchGet(b, &http.Client{}, api.URL)
}

func benchGet(b *testing.B, c *http.Client, u string) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
