package verify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
)

// failingSigner has a usable public key but cannot sign (an HSM offline).
type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("hsm offline")
}

// TestClientKeyAssertion: the header names the curve's algorithm and the
// kid only when set; aud is ClientKey.Audience over the endpoint's default;
// iss and sub the client, exp a minute after iat.
func TestClientKeyAssertion(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for alg, curve := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
		key, _ := ecdsa.GenerateKey(curve, rand.Reader)
		for _, k := range []verify.ClientKey{{Signer: key}, {Signer: key, KeyID: "k1", Audience: "https://op.example"}} {
			s, err := k.Assertion("client", "https://op.example/token", now)
			if err != nil {
				t.Fatal(alg, err)
			}
			parts := strings.Split(s, ".")
			var h, c map[string]any
			hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
			cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
			json.Unmarshal(hb, &h)
			json.Unmarshal(cb, &c)
			wantAud := "https://op.example/token"
			if k.Audience != "" {
				wantAud = k.Audience
			}
			if h["alg"] != alg || h["typ"] != "JWT" || (k.KeyID == "") != (h["kid"] == nil) || (k.KeyID != "" && h["kid"] != k.KeyID) {
				t.Errorf("%s header %v for %+v", alg, h, k)
			}
			if c["iss"] != "client" || c["sub"] != "client" || c["aud"] != wantAud || c["jti"] == "" ||
				c["iat"] != float64(now.Unix()) || c["exp"] != float64(now.Unix()+60) {
				t.Errorf("%s claims %v", alg, c)
			}
		}
	}
}

// TestClientKeyAssertionRefusals: no key, a key that cannot sign and an
// unsupported curve give errors (never a panic, never an unsigned token).
func TestClientKeyAssertionRefusals(t *testing.T) {
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	good, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, c := range map[string]struct {
		k    verify.ClientKey
		want string
	}{
		"no signer":     {verify.ClientKey{}, "Signer is nil"},
		"P-224":         {verify.ClientKey{Signer: p224}, "P-256, P-384 or P-521"},
		"signer failed": {verify.ClientKey{Signer: failingSigner{good}}, "hsm offline"},
	} {
		if s, err := c.k.Assertion("client", "https://op.example/token", time.Now()); err == nil || s != "" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q, %v; want an error saying %q", name, s, err, c.want)
		}
	}
}

// TestAuthStyleCheck: each refusal names what to fix.
func TestAuthStyleCheck(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	for name, c := range map[string]struct {
		s    verify.AuthStyle
		k    verify.ClientKey
		want string
	}{
		"unknown style":     {7, verify.ClientKey{}, "unknown AuthStyle 7"},
		"key without style": {verify.ClientSecretPost, verify.ClientKey{KeyID: "k"}, "not PrivateKeyJWT"},
		"style without key": {verify.PrivateKeyJWT, verify.ClientKey{}, "needs ClientKey.Signer"},
		"unusable key":      {verify.PrivateKeyJWT, verify.ClientKey{Signer: p224}, "ClientKey.Signer: ECDSA"},
	} {
		if err := c.s.Check(c.k); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	for _, ok := range []struct {
		s verify.AuthStyle
		k verify.ClientKey
	}{{verify.ClientSecretBasic, verify.ClientKey{}}, {verify.ClientSecretPost, verify.ClientKey{}}, {verify.PrivateKeyJWT, verify.ClientKey{Signer: key}}} {
		if err := ok.s.Check(ok.k); err != nil {
			t.Errorf("%s: %v", ok.s, err)
		}
	}
}
