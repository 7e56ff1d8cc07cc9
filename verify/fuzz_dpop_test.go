package verify_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
)

// FuzzDPoPProof: any proof text gives an answer, never a panic, and an
// accepted proof is accepted once.
func FuzzDPoPProof(f *testing.F) {
	k := newDPoPKey(f, "ES256")
	now := time.Now()
	f.Add(k.proof(f, "GET", apiURI, "tok", nil, nil))
	f.Add(k.proof(f, "GET", apiURI, "tok", map[string]any{"jwk": map[string]any{"kty": "RSA", "n": "AQAB", "e": "AQAB"}}, nil))
	f.Add(k.proof(f, "GET", apiURI, "tok", nil, map[string]any{"htu": []any{1}, "iat": "x"}))
	f.Add("eyJ9.e30.AA")
	v := newDPoP(f, verify.DPoPConfig{Now: func() time.Time { return now }})
	f.Fuzz(func(t *testing.T, proof string) {
		req := verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok"}
		if _, err := v.Verify(t.Context(), proof, req); err == nil {
			if _, err := v.Verify(t.Context(), proof, req); err == nil {
				t.Fatal("an accepted proof was accepted twice")
			}
		}
	})
}
