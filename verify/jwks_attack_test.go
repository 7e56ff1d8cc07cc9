package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/big"
	"testing"
)

// TestAttackJWKSMalformedEntries: a key set document that is not a JWK Set
// is an error (the cache keeps the last good set instead of emptying it);
// an entry that is not an object, has a member of the wrong type (an alg
// of 5 is not "no alg"), an RSA exponent outside 3 … 2^31-1 or even (e=1
// makes every signature its own message), or a curve Gatehouse does not
// know is dropped, never a panic; the exponents at the range's edges are
// kept.
func TestAttackJWKSMalformedEntries(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, doc := range []string{`[]`, `{}`, `{"keys":null}`, `{"keys":{}}`, `"keys"`} {
		if _, err := parseJWKS([]byte(doc), "test", log); err == nil {
			t.Errorf("%s: taken for a JWK Set", doc)
		}
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	n := b64(rk.N.Bytes())
	rsaJWK := func(e int64, extra string) string {
		return fmt.Sprintf(`{"kty":"RSA","kid":"r","n":%q,"e":%q%s}`, n, b64(big.NewInt(e).Bytes()), extra)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pt, _ := ek.PublicKey.Bytes() // 0x04 || x || y
	ecJWK := func(crv string) string {
		return fmt.Sprintf(`{"kty":"EC","kid":"e","crv":%q,"x":%q,"y":%q}`, crv, b64(pt[1:33]), b64(pt[33:]))
	}
	for entry, kept := range map[string]bool{
		rsaJWK(65537, ""):         true,
		rsaJWK(3, ""):             true,
		rsaJWK(1<<31-1, ""):       true,
		rsaJWK(1, ""):             false,
		rsaJWK(2, ""):             false,
		rsaJWK(65536, ""):         false,
		rsaJWK(1<<31+1, ""):       false,
		rsaJWK(65537, `,"alg":5`): false,
		rsaJWK(65537, `,"use":5`): false,
		ecJWK("P-256"):            true,
		ecJWK("P-192"):            false,
		ecJWK("secp256k1"):        false,
		`["kty","RSA"]`:           false,
		`"RSA"`:                   false,
		`{"kty":5,"kid":"k"}`:     false,
		`{"kty":"OKP","crv":"X25519","kid":"x","x":"` + b64(make([]byte, 32)) + `"}`: false,
	} {
		set, err := parseJWKS([]byte(`{"keys":[`+entry+`]}`), "test", log)
		if err != nil {
			t.Fatalf("%s: %v", entry, err)
		}
		if got := len(set.keys) == 1; got != kept {
			t.Errorf("%.80s: kept %v, want %v", entry, got, kept)
		}
	}
}
