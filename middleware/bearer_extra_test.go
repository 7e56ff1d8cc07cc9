package middleware_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// FuzzAuthorizationHeader sends arbitrary Authorization headers and query
// strings through Bearer: never a panic, never a 5xx, and 200 only for the
// one valid token.
func FuzzAuthorizationHeader(f *testing.F) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(f, op, verify.Config{}, middleware.BearerConfig{})
	valid := op.AccessToken("alice", "api", "read")
	f.Add("Bearer "+valid, "")
	f.Add("bearer  "+valid, "")
	f.Add("Bearer", "")
	f.Add("Bearer a b", "")
	f.Add("Basic dXNlcjpwYXNz", "")
	f.Add("", "access_token="+valid)
	f.Add("Bearer ===", "access_token=x&access_token=y")
	f.Fuzz(func(t *testing.T, header, query string) {
		r := httptest.NewRequest("GET", "/me", nil)
		r.URL.RawQuery = query
		r.Header.Set("Authorization", header)
		w, _ := a.do(r)
		switch w.Code {
		case 200:
			if w.Body.String() != "alice" {
				t.Fatalf("200 for %q ?%q", header, query)
			}
		case 400, 401:
		default:
			t.Fatalf("status %d for %q ?%q", w.Code, header, query)
		}
	})
}

// BenchmarkBearer is the whole middleware on a valid RS256 token, with a
// handler that does nothing.
func BenchmarkBearer(b *testing.B) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(b, op, verify.Config{}, middleware.BearerConfig{})
	r := get("/me", op.AccessToken("alice", "api", "read"))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		a.handler.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// Protect an API route with Bearer and require a scope on one route.
func ExampleBearer() {
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
		tok, _ := middleware.Token(r.Context())
		fmt.Fprintf(w, "hello %s", tok.Subject)
	})
	mux.Handle("GET /me", middleware.Bearer(verifier)(me))
	mux.Handle("GET /admin", middleware.Bearer(verifier, "admin")(me))
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

// BenchmarkBareHandler is BenchmarkBearer's handler without Bearer: the
// difference is the middleware's overhead.
func BenchmarkBareHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("alice")) })
	r := get("/me", "x")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}
