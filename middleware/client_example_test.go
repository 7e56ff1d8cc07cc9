package middleware_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// NewTransport for a client of your own (timeouts, redirects, a cookie jar):
// the token is added to each request; the caller's request is not changed.
func ExampleNewTransport() {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer api.Close()

	tr, err := middleware.NewTransport(middleware.ClientConfig{
		TokenURL:     op.URL + "/token",
		ClientID:     op.ClientID,
		ClientSecret: op.ClientSecret,
		AuthStyle:    middleware.ClientSecretPost, // as the provider requires; never guessed
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
// is the transport's own cost per request.
func BenchmarkClientTokenReuse(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	c, err := middleware.NewClient(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := c.Transport.(*middleware.Transport).Token(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bare", func(b *testing.B) { benchGet(b, &http.Client{}, api.URL, "") })
	b.Run("bare+header", func(b *testing.B) { benchGet(b, &http.Client{}, api.URL, "Bearer "+tok) })
	b.Run("token", func(b *testing.B) { benchGet(b, c, api.URL, "") })
	if n := op.Count("token:client_credentials"); n != 1 {
		b.Fatalf("%d token requests, want 1", n)
	}
}

// benchGet GETs u, with the Authorization header auth when not empty.
func benchGet(b *testing.B, c *http.Client, u, auth string) {
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", u, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
