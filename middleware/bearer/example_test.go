package bearer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Protect an API route with Protect and require a scope on one route.
func ExampleProtect() {
	op := oidctest.NewServer() // stands in for your OpenID provider
	defer op.Close()

	provider, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		panic(err)
	}
	defer provider.Close()
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, provider)
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		fmt.Fprintf(w, "hello %s", tok.Subject)
	})
	mux.Handle("GET /me", bearer.Protect(verifier)(me))
	mux.Handle("GET /admin", bearer.Protect(verifier, "admin")(me))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, c := range []struct{ path, token string }{
		{"/me", op.AccessToken("alice", "api", "read")},
		{"/admin", op.AccessToken("alice", "api", "read")},
		{"/me", ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %d %s", c.path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))))
		if resp.StatusCode == 200 {
			fmt.Println(string(body))
		}
	}
	// Output:
	// /me 200
	// hello alice
	// /admin 403 Bearer realm="api", error="insufficient_scope", error_description="the token lacks a required scope", scope="admin"
	// /me 401 Bearer realm="api"
}
