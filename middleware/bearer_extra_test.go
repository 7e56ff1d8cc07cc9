package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// FuzzAuthorizationHeader sends arbitrary Authorization headers and query
// strings through Bearer: never a panic, never a 5xx, and 200 only for the
// one valid token.
func FuzzAuthorizationHeader(f *testing.F) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(f, op, verify.Config{}, bearer.Config{})
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
	a := newAPI(b, op, verify.Config{}, bearer.Config{})
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
