package verify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestIntrospectorPrivateKeyJWT: with AuthStyle PrivateKeyJWT the
// introspection request authenticates by a signed assertion and not the
// secret (oidctest refuses a request carrying both); each request has a
// fresh jti (oidctest refuses a replay), so a second introspection passes.
func TestIntrospectorPrivateKeyJWT(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, key := range map[string]crypto.Signer{"EdDSA": edKey, "ES256": ecKey, "RS256": rsaKey} {
		t.Run(name, func(t *testing.T) {
			op, in := introspection(t, func(c *verify.IntrospectionConfig) {
				c.AuthStyle, c.ClientKey, c.ClientSecret = verify.PrivateKeyJWT, verify.ClientKey{Signer: key, KeyID: "k1"}, ""
			})
			op.AddClient(oidctest.Client{ID: op.ClientID, Secret: op.ClientSecret, PublicKey: key.Public()})
			for i := range 2 {
				raw := clientToken(t, op, "", "read")
				if tok, err := in.Verify(t.Context(), raw); err != nil || tok.Subject != op.ClientID {
					t.Fatalf("introspection %d: %v %+v", i, err, tok)
				}
			}
		})
	}
}

// TestIntrospectorPrivateKeyJWTRefusals: without a key, or with one it
// cannot sign with, NewIntrospector fails; a key the server does not know
// makes introspection unavailable (503), never a token refusal.
func TestIntrospectorPrivateKeyJWTRefusals(t *testing.T) {
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, key := range map[string]crypto.Signer{"NoKey": nil, "RSA1024": weak, "P224": p224} {
		_, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: "c", Audiences: []string{"api"},
			AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: key}})
		if err == nil || !strings.Contains(err.Error(), "ClientKey") {
			t.Errorf("%s: %v", name, err)
		}
	}
	unknown, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op2, in := introspection(t, func(c *verify.IntrospectionConfig) {
		c.AuthStyle, c.ClientKey, c.ClientSecret = verify.PrivateKeyJWT, verify.ClientKey{Signer: unknown}, ""
	})
	if _, err := in.Verify(t.Context(), clientToken(t, op2, "", "read")); !errors.Is(err, verify.ErrUnavailable) {
		t.Errorf("unknown key: %v, want ErrUnavailable", err)
	}
}
