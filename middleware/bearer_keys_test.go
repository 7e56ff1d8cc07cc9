package middleware_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// A key rotated in at the provider is picked up by the first token that
// names it, with exactly one extra JWKS fetch.
func TestBearerKeyRotatedIn(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	if w, err := a.do(get("/me", op.AccessToken("alice", "api"))); w.Code != 200 {
		t.Fatalf("warm-up: %d %v", w.Code, err)
	}
	before := op.Count("jwks")
	op.RotateKeys()
	for i := range 5 {
		w, err := a.do(get("/me", op.AccessToken("alice", "api")))
		if w.Code != 200 {
			t.Fatalf("request %d after rotation: %d %v", i, w.Code, err)
		}
	}
	if got := op.Count("jwks") - before; got != 1 {
		t.Errorf("rotation cost %d JWKS fetches, want exactly 1", got)
	}
}

// 1 000 requests naming random unknown kids cost at most 2 JWKS fetches in
// all (the first load plus one rate-limited refresh).
func TestBearerUnknownKidFlood(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := op.Sign(oidctest.Token{Header: map[string]any{"kid": fmt.Sprintf("random-%d", i)}, Claims: claims(op, nil)})
			w, _ := a.do(get("/me", tok))
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[401] != 1000 {
		t.Errorf("statuses %v: want 1000 × 401", codes)
	}
	if n := op.Count("jwks"); n > 2 {
		t.Errorf("%d JWKS fetches for 1000 unknown kids, want at most 2", n)
	}
}

// When the JWKS endpoint fails after warm-up, tokens signed with known keys
// still pass on the last good key set.
func TestBearerJWKSDownAfterWarmup(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	if w, err := a.do(get("/me", op.AccessToken("alice", "api"))); w.Code != 200 {
		t.Fatalf("warm-up: %d %v", w.Code, err)
	}
	op.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusInternalServerError })
	// A made-up kid forces a refresh, which fails: 503 for that token only.
	w, err := a.do(get("/me", op.Sign(oidctest.Token{Header: map[string]any{"kid": "new"}, Claims: claims(op, nil)})))
	if w.Code != http.StatusServiceUnavailable || !errors.Is(err, verify.ErrUnavailable) {
		t.Errorf("unknown kid while JWKS is down: %d %v, want 503 ErrUnavailable", w.Code, err)
	}
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		w, err := a.do(get("/me", op.Sign(oidctest.Token{Alg: alg, Claims: claims(op, nil)})))
		if w.Code != 200 {
			t.Errorf("%s token on last-known-good keys: %d %v", alg, w.Code, err)
		}
	}
}

// Keys that cannot be fetched at all give 503, never 401.
func TestBearerKeysUnavailable(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.JWKSStatus = http.StatusBadGateway })
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	w, err := a.do(get("/me", op.AccessToken("alice", "api")))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 (err %v)", w.Code, err)
	}
	if !errors.Is(err, verify.ErrUnavailable) {
		t.Errorf("error %v: want ErrUnavailable", err)
	}
	if strings.Contains(w.Body.String(), op.URL) {
		t.Errorf("503 body leaks the key URL: %s", w.Body)
	}
	if w.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// RFC 9068: with Type "at+jwt", an ID token or a plain JWT is refused.
func TestBearerRequiresAccessTokenType(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{Type: "at+jwt"}, bearer.Config{})
	for typ, want := range map[string]int{"at+jwt": 200, "application/at+jwt": 200, "AT+JWT": 200, "JWT": 401, "": 401} {
		h := map[string]any{"typ": typ}
		if typ == "" {
			h["typ"] = nil
		}
		w, err := a.do(get("/me", op.Sign(oidctest.Token{Header: h, Claims: claims(op, nil)})))
		if w.Code != want {
			t.Errorf("typ %q: %d, want %d (%v)", typ, w.Code, want, err)
		}
	}
}

// Several issuers in one verifier: each token is checked with its own
// issuer's keys, and cannot borrow another's.
func TestBearerMultiTenant(t *testing.T) {
	opA, opB := oidctest.NewServer(), oidctest.NewServer()
	defer opA.Close()
	defer opB.Close()
	pa, err := verify.Discover(t.Context(), opA.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := verify.Discover(t.Context(), opB.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, pa, pb)
	if err != nil {
		t.Fatal(err)
	}
	h := bearer.Protect(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Issuer))
	}))
	serve := func(tok string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, get("/", tok))
		return w
	}
	if w := serve(opA.AccessToken("a", "api")); w.Code != 200 || w.Body.String() != opA.Issuer() {
		t.Errorf("tenant A: %d %s", w.Code, w.Body)
	}
	if w := serve(opB.AccessToken("b", "api")); w.Code != 200 || w.Body.String() != opB.Issuer() {
		t.Errorf("tenant B: %d %s", w.Code, w.Body)
	}
	// Signed by B (with B's kid) but claiming to be from A.
	forged := opB.Sign(oidctest.Token{Claims: claims(opA, nil)})
	if w := serve(forged); w.Code != 401 {
		t.Errorf("B-signed token claiming issuer A: %d, want 401", w.Code)
	}
}
