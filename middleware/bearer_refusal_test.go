package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// countingAPI is Bearer (scope "admin", tokens in the form and, for these
// tests, the query allowed) in front of a handler that counts its calls.
func countingAPI(t *testing.T) (*oidctest.Server, http.Handler, *atomic.Int64) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := bearer.New(bearer.Config{Verifier: v, Scopes: []string{"admin"}, AllowFormToken: true, InsecureAllowQueryToken: true})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	return op, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })), &calls
}

// TestAttackRefusedRequestNeverReachesHandler: a request Bearer refuses
// gets its refusal and nothing else: the protected handler never runs (a
// handler that ran after the 403 was written would still act: delete,
// transfer, ...).
func TestAttackRefusedRequestNeverReachesHandler(t *testing.T) {
	op, h, calls := countingAPI(t)
	admin := claims(op, func(c map[string]any) { c["scope"] = "admin" })
	rows := map[string]struct {
		r    *http.Request
		code int
	}{
		"no token":      {get("/", ""), 401},
		"bad signature": {get("/", op.Sign(oidctest.Token{Claims: admin})+"x"), 401},
		"missing scope": {get("/", op.Sign(oidctest.Token{Claims: claims(op, nil)})), 403},
		"DPoP-bound token as Bearer": {get("/", op.Sign(oidctest.Token{Claims: claims(op, func(c map[string]any) {
			c["scope"], c["cnf"] = "admin", map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
		})})), 401},
		"two Authorization headers": {func() *http.Request { r := get("/", "a"); r.Header.Add("Authorization", "Bearer b"); return r }(), 400},
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, row.r)
			if w.Code != row.code || calls.Load() != 0 {
				t.Errorf("%d, handler called %d times; want %d and never", w.Code, calls.Load(), row.code)
			}
		})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/", op.Sign(oidctest.Token{Claims: admin})))
	if w.Code != 200 || calls.Load() != 1 {
		t.Fatalf("a good token: %d, handler called %d times", w.Code, calls.Load())
	}
}

// TestAttackAmbiguousTokenParameters: a token that is empty, or given twice
// in the query or the form body, or an Authorization value that is not a
// b64token, is a malformed request (400 invalid_request, RFC 6750 §3.1):
// Bearer never picks one of two. A form without access_token beside a
// header token is no second token.
func TestAttackAmbiguousTokenParameters(t *testing.T) {
	op, h, _ := countingAPI(t)
	tok := op.Sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["scope"] = "admin" })})
	form := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	rows := map[string]*http.Request{
		"two access_token in the query":   httptest.NewRequest("GET", "/?access_token="+tok+"&access_token=other", nil),
		"two access_token in the form":    form("access_token=" + tok + "&access_token=other"),
		"empty access_token in the form":  form("access_token="),
		"empty access_token in the query": httptest.NewRequest("GET", "/?access_token=", nil),
		"Bearer followed by padding only": func() *http.Request { r := get("/", ""); r.Header.Set("Authorization", "Bearer =="); return r }(),
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 400 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_request"`) {
				t.Errorf("%d %q, want 400 invalid_request", w.Code, w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	r := form("note=hello")
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("a form without access_token beside a header token: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	for name, r := range map[string]*http.Request{
		"one access_token in the query (allowed here)": httptest.NewRequest("GET", "/?access_token="+tok, nil),
		"one access_token in the form":                 form("access_token=" + tok),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Errorf("%s: %d %q", name, w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
}
