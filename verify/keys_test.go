package verify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// TestSnapshotDropsKeysWithForeignAlg: a JWKS entry whose "alg" its own key
// type cannot sign with (an Ed25519 key labelled RS256, an RSA key labelled
// ES256, a P-256 key labelled ES384) is a broken entry and is never used,
// while well-formed neighbours are kept.
func TestSnapshotDropsKeysWithForeignAlg(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	entry := func(raw any, kid, alg string) map[string]any {
		k, err := jwk.Import(raw)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(k)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		m["kid"], m["alg"] = kid, alg
		return m
	}
	doc, _ := json.Marshal(map[string]any{"keys": []any{
		entry(edPub, "ed-as-rsa", "RS256"),
		entry(&rsaKey.PublicKey, "rsa-as-ec", "ES256"),
		entry(&ecKey.PublicKey, "p256-as-p384", "ES384"),
		entry(&rsaKey.PublicKey, "rsa-ok", "PS256"),
		entry(edPub, "ed-ok", "EdDSA"),
		entry(&ecKey.PublicKey, "p256-ok", "ES256"),
	}})
	set, err := jwk.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := buildSnapshot(set, 1)
	for _, kid := range []string{"ed-as-rsa", "rsa-as-ec", "p256-as-p384"} {
		if len(s.byKID[kid]) != 0 {
			t.Errorf("kept %s", kid)
		}
	}
	for _, kid := range []string{"rsa-ok", "ed-ok", "p256-ok"} {
		if len(s.byKID[kid]) != 1 {
			t.Errorf("dropped %s", kid)
		}
	}
	if len(s.all) != 3 {
		t.Errorf("kept %d keys, want 3", len(s.all))
	}
}
