package oidctest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// dpopProof signs a token-request proof with priv; claims override.
func dpopProof(t *testing.T, s *oidctest.Server, priv *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	pub, _ := jwk.Import(priv.Public())
	h := jws.NewHeaders()
	_ = h.Set("typ", "dpop+jwt")
	_ = h.Set("jwk", pub)
	c := map[string]any{"jti": rand.Text(),
		"htm": "POST", "htu": s.URL + "/token", "iat": time.Now().Unix()}
	for k, v := range claims {
		c[k] = v
	}
	b, _ := json.Marshal(c)
	p, err := jws.Sign(b, jws.WithKey(jwa.ES256(), priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// dpopTokenRequest asks for client credentials with a DPoP proof.
func dpopTokenRequest(t *testing.T, s *oidctest.Server, proof string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	req.Header.Set("DPoP", proof)
	resp, body := do(t, http.DefaultClient, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	return resp, m
}

func TestDPoPBoundToken(t *testing.T) {
	s := newServer(t)
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := jwk.Import(priv.Public())
	tp, _ := pub.Thumbprint(crypto.SHA256)
	proof := dpopProof(t, s, priv, nil)
	resp, m := dpopTokenRequest(t, s, proof)
	if resp.StatusCode != http.StatusOK || m["token_type"] != "DPoP" {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	c := verified(t, s, m["access_token"])
	if cnf, _ := c["cnf"].(map[string]any); cnf["jkt"] != base64.RawURLEncoding.EncodeToString(tp) {
		t.Fatalf("cnf %v", c["cnf"])
	}
	// The same proof again is a replay.
	if resp, m := dpopTokenRequest(t, s, proof); resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_dpop_proof" {
		t.Fatalf("replayed proof: %d %v", resp.StatusCode, m)
	}
	// Without a proof the token is a plain bearer token.
	code, m := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}})
	if _, c := parts(t, m["access_token"]); code != http.StatusOK || m["token_type"] != "Bearer" || c["cnf"] != nil {
		t.Fatalf("%d %v", code, m)
	}
}

func TestDPoPProofRefusedAtToken(t *testing.T) {
	s := newServer(t)
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, claims := range map[string]map[string]any{
		"wrong htu": {"htu": s.URL + "/other"},
		"wrong htm": {"htm": "GET"},
		"stale iat": {"iat": time.Now().Add(-time.Hour).Unix()},
	} {
		if resp, m := dpopTokenRequest(t, s, dpopProof(t, s, priv, claims)); resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_dpop_proof" {
			t.Errorf("%s: %d %v", name, resp.StatusCode, m)
		}
	}
}

func TestDPoPNonceAtToken(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.DPoPNonce = "n-1" })
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	resp, m := dpopTokenRequest(t, s, dpopProof(t, s, priv, nil))
	if resp.StatusCode != http.StatusBadRequest || m["error"] != "use_dpop_nonce" || resp.Header.Get("DPoP-Nonce") != "n-1" {
		t.Fatalf("%d %v %q", resp.StatusCode, m, resp.Header.Get("DPoP-Nonce"))
	}
	if resp, m := dpopTokenRequest(t, s, dpopProof(t, s, priv, map[string]any{"nonce": "n-1"})); resp.StatusCode != http.StatusOK || m["token_type"] != "DPoP" {
		t.Fatalf("with the nonce: %d %v", resp.StatusCode, m)
	}
}
