package middleware_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// is the transport's own cost per request.
func BenchmarkClientTokenReuse(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	c, err := outbound.New(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := c.Transport.(*outbound.Transport).Token(context.Background())
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
