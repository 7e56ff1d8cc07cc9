package verify

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// FuzzDiscoveryDocument serves arbitrary bytes as a discovery document:
// never a panic, and a Provider only for a document naming this issuer.
func FuzzDiscoveryDocument(f *testing.F) {
	var doc atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(*doc.Load())
	}))
	defer srv.Close()
	f.Add([]byte(`{"issuer":"ISSUER","jwks_uri":"ISSUER/jwks","token_endpoint":"ISSUER/token"}`))
	f.Add([]byte(`{"issuer":"ISSUER","jwks_uri":"http://evil.example/jwks"}`))
	f.Add([]byte(`{"issuer":["a"]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		b = []byte(strings.ReplaceAll(string(b), "ISSUER", srv.URL))
		doc.Store(&b)
		p, err := NewProvider(context.Background(), ProviderConfig{Issuer: srv.URL})
		if err != nil {
			return
		}
		defer p.Close()
		if p.Issuer() != srv.URL {
			t.Fatalf("accepted a document for issuer %q", p.Issuer())
		}
	})
}

// everyAlg is every signature algorithm a JWKS key may be used with.
var everyAlg = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}

// FuzzJWKS parses arbitrary key sets as the key cache does and builds the
// snapshot: never a panic; only usable verification keys kept, each with one
// algorithm; never a key carrying a private member, a use other than sig,
// key_ops without verify, or an RSA modulus under 2048 bits.
func FuzzJWKS(f *testing.F) {
	op := oidctest.NewServer()
	defer op.Close()
	resp, err := http.Get(op.URL + "/jwks")
	if err != nil {
		f.Fatal(err)
	}
	real, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f.Add(real)
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":[{"kty":"unknown"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := parseJWKS(b, "fuzz", slog.New(slog.DiscardHandler))
		if err != nil {
			return
		}
		s := buildSnapshot(set, 1)
		for _, pk := range s.all {
			if !slices.ContainsFunc(everyAlg, pk.canSign) {
				t.Fatalf("kept an unusable key %T (alg %q)", pk.key, pk.alg)
			}
			// One algorithm per key unless the application widens.
			var n int
			for _, alg := range everyAlg {
				if pk.fits(alg, false) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("key %T (alg %q) fits %d algorithms, want 1", pk.key, pk.alg, n)
			}
			if k, ok := pk.key.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
				t.Fatalf("kept a %d-bit RSA key", k.N.BitLen())
			}
		}
		var doc struct{ Keys []json.RawMessage }
		_ = json.Unmarshal(b, &doc)
		for _, raw := range doc.Keys {
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				continue
			}
			var use string
			var ops []string
			_, hasUse := m["use"]
			_, hasOps := m["key_ops"]
			_ = json.Unmarshal(m["use"], &use)
			_ = json.Unmarshal(m["key_ops"], &ops)
			bad := (hasUse && use != "sig") || (hasOps && !slices.Contains(ops, "verify"))
			for _, name := range privateMembers {
				_, leaked := m[name]
				bad = bad || leaked
			}
			if _, _, err := admitKey(raw); bad && err == nil {
				t.Fatalf("admitted %s", raw)
			}
		}
	})
}
