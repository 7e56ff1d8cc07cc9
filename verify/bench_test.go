package verify_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// BenchmarkVerify measures a full verification of a fresh access token per
// algorithm: parsing, key lookup, signature, claims.
func BenchmarkVerify(b *testing.B) {
	op, v := setup(b, verify.Config{CacheSize: -1}) // cold: every call verifies in full
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		c := baseClaims(op)
		c["scope"] = "read write"
		c["jti"] = "0123456789abcdef"
		raw := op.Sign(oidctest.Token{Alg: alg, Claims: c})
		if _, err := v.Verify(b.Context(), raw); err != nil {
			b.Fatal(err)
		}
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(b.Context(), raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFloorRSA is the bare RS256 signature check on a ready digest: the
// floor that BenchmarkVerify/RS256 is compared with.
func BenchmarkFloorRSA(b *testing.B) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	digest := sha256.Sum256([]byte("header.payload"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
