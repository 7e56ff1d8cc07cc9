package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
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
	set, err := parseJWKS(doc, "test", slog.New(slog.DiscardHandler))
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

// TestPublicKeyVerifyEveryAlg: each supported alg verifies with a key of its
// family, and fails for a changed input, a changed signature, and the same
// key under another alg of its family (RS256 versus PS256, SHA-256 versus
// SHA-512).
func TestPublicKeyVerifyEveryAlg(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec := map[string]*ecdsa.PrivateKey{}
	for alg, curve := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
		ec[alg], _ = ecdsa.GenerateKey(curve, rand.Reader)
	}
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	input := []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9")
	other := map[string]string{"RS256": "PS256", "PS256": "RS256", "RS384": "RS512", "RS512": "RS384",
		"PS384": "PS512", "PS512": "PS384", "ES256": "ES384", "ES384": "ES512", "ES512": "ES256", "EdDSA": "RS256", "Ed25519": "ES256"}
	for _, alg := range everyAlg {
		var pk *publicKey
		var sig []byte
		var err error
		switch alg[:2] {
		case "RS", "PS":
			pk = &publicKey{key: &rsaKey.PublicKey}
			sig, err = jwsbb.SignRSA(rsaKey, input, hashes[alg[2:]], alg[0] == 'P', rand.Reader)
		case "ES":
			pk = &publicKey{key: &ec[alg].PublicKey}
			sig, err = jwsbb.SignECDSA(ec[alg], input, hashes[alg[2:]], rand.Reader)
		default:
			pk = &publicKey{key: edPub}
			sig, err = jwsbb.SignEdDSA(edPriv, input)
		}
		if err != nil {
			t.Fatal(alg, err)
		}
		if !pk.verify(alg, input, sig) {
			t.Errorf("%s: a good signature refused", alg)
		}
		changed := append([]byte{}, input...)
		changed[len(changed)-1] ^= 1
		if pk.verify(alg, changed, sig) {
			t.Errorf("%s: a changed input accepted", alg)
		}
		bad := append([]byte{}, sig...)
		bad[len(bad)/2] ^= 1
		if pk.verify(alg, input, bad) {
			t.Errorf("%s: a changed signature accepted", alg)
		}
		if pk.verify(other[alg], input, sig) {
			t.Errorf("%s: its signature accepted as %s", alg, other[alg])
		}
		if pk.verify(alg, input, sig[:len(sig)-1]) || pk.verify(alg, input, nil) {
			t.Errorf("%s: a short signature accepted", alg)
		}
	}
}

// TestSnapshotDropsShortEd25519Key: an OKP key whose x is not 32 bytes is
// never used (crypto/ed25519 would panic on it): Gatehouse reads the JWK
// itself (okpKey), so this guard is the only one.
func TestSnapshotDropsShortEd25519Key(t *testing.T) {
	for _, x := range []string{"AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		set, err := parseJWKS([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"bad","x":"`+x+`"}]}`), "test", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if len(set.keys) != 0 {
			t.Errorf("kept a %d-byte Ed25519 key", len(set.keys[0].key.(ed25519.PublicKey)))
		}
	}
}
