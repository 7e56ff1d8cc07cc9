package bearer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Hand a handler the API's own claims, decoded once, in the same pass as
// the verification: NewFor[T] and Claims[T].
func ExampleNewFor() {
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

	type claims struct {
		Tenant string   `json:"tenant"`
		Roles  []string `json:"roles"`
	}
	protect, err := bearer.NewFor[claims](bearer.Config{Verifier: verifier})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := bearer.Claims[claims](r) // decoded at verification: no second decode
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "tenant %s, roles %v", c.Tenant, c.Roles)
	})))
	defer srv.Close()

	now := time.Now()
	token := op.Sign(oidctest.Token{Claims: map[string]any{
		"iss": op.Issuer(), "sub": "alice", "aud": "api", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"tenant": "acme", "roles": []string{"billing", "admin"},
	}})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 tenant acme, roles [billing admin]
}

// Publish the API's RFC 9728 metadata and name it in every challenge, so
// that a client holding no token finds where to get one.
func ExampleProtectedResourceMetadata() {
	op := oidctest.NewServer()
	defer op.Close()
	provider, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		panic(err)
	}
	defer provider.Close()
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{"https://api.example.com/v1"}}, provider)
	if err != nil {
		panic(err)
	}
	cfg := bearer.Config{Verifier: verifier, Scopes: []string{"orders:read"},
		Resource: &bearer.ProtectedResource{
			Resource:             "https://api.example.com/v1",
			AuthorizationServers: []string{op.Issuer()},
		}}
	protect, err := bearer.New(cfg)
	if err != nil {
		panic(err)
	}
	path, metadata, err := bearer.ProtectedResourceMetadata(cfg)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+path, metadata)
	mux.Handle("GET /v1/orders", protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "https://api.example.com/v1/orders", nil))
	fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	fmt.Println(path)
	// Output:
	// 401 Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"
	// /.well-known/oauth-protected-resource/v1
}
