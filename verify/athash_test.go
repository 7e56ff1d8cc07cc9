package verify_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackAtHashOfAnotherAccessToken: at_hash binds an ID token to the
// access token issued with it, with the hash of the token's alg (SHA-256
// for RS256, SHA-512 for EdDSA): another access token, or the right one
// hashed with the wrong function, is refused; an ID token without at_hash
// (optional in the code flow) passes.
func TestAttackAtHashOfAnotherAccessToken(t *testing.T) {
	op, v := setup(t, verify.Config{})
	at := "the-access-token"
	s256, s512 := sha256.Sum256([]byte(at)), sha512.Sum512([]byte(at))
	half := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b[:len(b)/2]) }
	id := func(alg, hash string) *verify.Token {
		c := baseClaims(op)
		c["aud"] = "app"
		if hash != "" {
			c["at_hash"] = hash
		}
		tok, err := v.VerifyIDToken(t.Context(), op.Sign(oidctest.Token{Alg: alg, Claims: c}), "")
		if err != nil {
			t.Fatalf("%s ID token: %v", alg, err)
		}
		return tok
	}
	for _, r := range []struct {
		alg, hash string
		ok        bool
	}{
		{"RS256", half(s256[:]), true},
		{"EdDSA", half(s512[:]), true},
		{"EdDSA", half(s256[:]), false},
		{"RS256", half(s512[:]), false},
		{"RS256", "", true},
	} {
		err := id(r.alg, r.hash).CheckAccessTokenHash(at)
		if r.ok != (err == nil) {
			t.Errorf("%s at_hash %q: %v, want ok=%v", r.alg, r.hash, err, r.ok)
		}
		if r.hash != "" {
			if err := id(r.alg, r.hash).CheckAccessTokenHash("another-access-token"); err == nil {
				t.Errorf("%s: another access token accepted", r.alg)
			}
		}
	}
}
