package oidctest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func fetchJWKS(t *testing.T, s *oidctest.Server) jwk.Set {
	t.Helper()
	set, err := jwk.Fetch(context.Background(), s.URL+"/jwks")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestJWKS(t *testing.T) {
	s := newServer(t)
	resp, _ := get(t, http.DefaultClient, s.URL+"/jwks")
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	set := fetchJWKS(t, s)
	if set.Len() != 3 {
		t.Fatalf("JWKS holds %d keys, want 3", set.Len())
	}
	wantKty := map[string]string{"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}
	for alg, kty := range wantKty {
		k, ok := set.LookupKeyID(s.KeyID(alg))
		if !ok {
			t.Fatalf("no %s key with kid %q", alg, s.KeyID(alg))
		}
		a, _ := k.Algorithm()
		use, _ := k.KeyUsage()
		if k.KeyType().String() != kty || a.String() != alg || use != "sig" {
			t.Errorf("%s key: kty %s alg %s use %s", alg, k.KeyType(), a, use)
		}
		if _, ok := k.(jwk.RSAPrivateKey); ok {
			t.Error("a private key is published")
		}
	}
	if s.PublicKey("RS256").(*rsa.PublicKey) == nil || s.PublicKey("ES256").(*ecdsa.PublicKey) == nil ||
		len(s.PublicKey("EdDSA").(ed25519.PublicKey)) == 0 {
		t.Error("PublicKey types")
	}
	if s.PublicKey("ES512") != nil || s.KeyID("ES512") != "" {
		t.Error("a key for an alg the server does not have")
	}
}

func TestJWKSSwitches(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.JWKSCacheControl = "max-age=60" })
	if resp, _ := get(t, http.DefaultClient, s.URL+"/jwks"); resp.Header.Get("Cache-Control") != "max-age=60" {
		t.Errorf("JWKSCacheControl: %q", resp.Header.Get("Cache-Control"))
	}
	s.Set(func(b *oidctest.Behavior) { b.JWKSStatus = 500 })
	if resp, _ := get(t, http.DefaultClient, s.URL+"/jwks"); resp.StatusCode != 500 {
		t.Errorf("JWKSStatus: %d", resp.StatusCode)
	}
	if s.Count("jwks") != 2 {
		t.Errorf("Count(jwks) = %d", s.Count("jwks"))
	}
}

func TestSignVerifiesWithJWX(t *testing.T) {
	s := newServer(t)
	set := fetchJWKS(t, s)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		tok := s.Sign(oidctest.Token{Alg: alg, Claims: map[string]any{"sub": "x"}})
		h, _ := parts(t, tok)
		if h["alg"] != alg || h["kid"] != s.KeyID(alg) || h["typ"] != "JWT" {
			t.Errorf("%s header %v", alg, h)
		}
		if _, err := jws.Verify([]byte(tok), jws.WithKeySet(set)); err != nil {
			t.Errorf("%s token does not verify against the JWKS: %v", alg, err)
		}
	}
	// PS256 uses the RSA key.
	if _, err := jws.Verify([]byte(s.Sign(oidctest.Token{Alg: "PS256"})), jws.WithKey(jwaAlg(t, "PS256"), s.PublicKey("RS256"))); err != nil {
		t.Errorf("PS256: %v", err)
	}
}

func TestAccessTokenVerifiesWithJWX(t *testing.T) {
	s := newServer(t)
	raw := s.AccessToken("alice", "https://api.example", "read", "write")
	tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(fetchJWKS(t, s)), jwt.WithIssuer(s.Issuer()),
		jwt.WithAudience("https://api.example"), jwt.WithValidate(true))
	if err != nil {
		t.Fatal(err)
	}
	if sub, _ := tok.Subject(); sub != "alice" {
		t.Errorf("sub %q", sub)
	}
	h, c := parts(t, raw)
	if h["typ"] != "at+jwt" || h["alg"] != "RS256" {
		t.Errorf("header %v", h)
	}
	for _, k := range []string{"exp", "iat", "nbf", "jti"} {
		if c[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	if c["client_id"] != s.ClientID || c["scope"] != "read write" {
		t.Errorf("claims %v", c)
	}
	if exp := int64(c["exp"].(float64)); exp < time.Now().Add(59*time.Minute).Unix() {
		t.Errorf("exp %d is not an hour away", exp)
	}
	if _, c := parts(t, s.AccessToken("alice", "api")); c["scope"] != nil {
		t.Errorf("scope without scopes: %v", c["scope"])
	}
	_, c = parts(t, s.IDToken("alice", "client", "n-1"))
	if c["nonce"] != "n-1" || c["aud"] != "client" || c["iss"] != s.Issuer() {
		t.Errorf("IDToken claims %v", c)
	}
}

func TestSignMisbehaviour(t *testing.T) {
	s := newServer(t)
	set := fetchJWKS(t, s)
	foreign, _ := rsa.GenerateKey(rand.Reader, 2048)
	tok := s.Sign(oidctest.Token{Key: foreign})
	if h, _ := parts(t, tok); h["kid"] != s.KeyID("RS256") {
		t.Errorf("a foreign key does not pose as the server's: %v", h)
	}
	if _, err := jws.Verify([]byte(tok), jws.WithKeySet(set)); err == nil {
		t.Error("a token signed with a foreign key verifies")
	}
	if _, err := jws.Verify([]byte(tok), jws.WithKey(jwaAlg(t, "RS256"), &foreign.PublicKey)); err != nil {
		t.Errorf("foreign key signature: %v", err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := jws.Verify([]byte(s.Sign(oidctest.Token{Alg: "ES256", Key: ec})), jws.WithKey(jwaAlg(t, "ES256"), &ec.PublicKey)); err != nil {
		t.Errorf("foreign ES256 key: %v", err)
	}
	tok = s.Sign(oidctest.Token{Header: map[string]any{"kid": nil, "typ": nil, "crit": []string{"x"}}, Claims: map[string]any{"a": 1}})
	if h, c := parts(t, tok); h["kid"] != nil || h["typ"] != nil || h["crit"] == nil || c["a"] != 1.0 {
		t.Errorf("header overrides: %v %v", h, c)
	}
	if tok := s.Sign(oidctest.Token{Alg: "none"}); !strings.HasSuffix(tok, ".") || strings.Count(tok, ".") != 2 {
		t.Errorf("alg none: %q", tok)
	}
	hs := s.Sign(oidctest.Token{Alg: "HS256"})
	if _, err := jws.Verify([]byte(hs), jws.WithKey(jwaAlg(t, "HS256"), []byte(s.ClientSecret))); err != nil {
		t.Errorf("HS256 with the client secret: %v", err)
	}
	if h, _ := parts(t, hs); h["kid"] != nil {
		t.Errorf("HS256 has a kid: %v", h)
	}
	hs = s.Sign(oidctest.Token{Alg: "HS256", Key: []byte("k")})
	if _, err := jws.Verify([]byte(hs), jws.WithKey(jwaAlg(t, "HS256"), []byte("k"))); err != nil {
		t.Errorf("HS256 with a given key: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Sign with an alg the server has no key for did not panic")
		}
	}()
	s.Sign(oidctest.Token{Alg: "ES512"})
}

func TestRotateAndRetireKeys(t *testing.T) {
	s := newServer(t)
	oldKid := s.KeyID("RS256")
	old := s.AccessToken("alice", "api")
	s.RotateKeys()
	if s.KeyID("RS256") == oldKid {
		t.Fatal("RotateKeys kept the current key")
	}
	set := fetchJWKS(t, s)
	if set.Len() != 6 {
		t.Errorf("after RotateKeys: %d keys, want 6", set.Len())
	}
	fresh := s.AccessToken("alice", "api")
	if h, _ := parts(t, fresh); h["kid"] != s.KeyID("RS256") {
		t.Errorf("new tokens are not signed with the new key: %v", h)
	}
	for _, tok := range []string{old, fresh} {
		if _, err := jws.Verify([]byte(tok), jws.WithKeySet(set)); err != nil {
			t.Errorf("after RotateKeys: %v", err)
		}
	}
	s.RetireOldKeys()
	set = fetchJWKS(t, s)
	if set.Len() != 3 {
		t.Errorf("after RetireOldKeys: %d keys, want 3", set.Len())
	}
	if _, err := jws.Verify([]byte(old), jws.WithKeySet(set)); err == nil {
		t.Error("a token of a retired key still verifies")
	}
	if _, err := jws.Verify([]byte(fresh), jws.WithKeySet(set)); err != nil {
		t.Errorf("current key after RetireOldKeys: %v", err)
	}
}

func jwaAlg(t *testing.T, name string) jwa.SignatureAlgorithm {
	t.Helper()
	a, ok := jwa.LookupSignatureAlgorithm(name)
	if !ok {
		t.Fatalf("jwa has no %s", name)
	}
	return a
}

// TestJWKSMembers: JWKSMembers merges members into the keys of one family
// and deletes those given nil; the other families are untouched.
func TestJWKSMembers(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) {
		b.JWKSMembers = map[string]map[string]any{"RS256": {"alg": nil, "use": "enc", "d": "AQAB"}}
	})
	_, body := get(t, http.DefaultClient, s.URL+"/jwks")
	var doc struct{ Keys []map[string]any }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		_, hasAlg := k["alg"]
		switch k["kid"] {
		case s.KeyID("RS256"):
			if hasAlg || k["use"] != "enc" || k["d"] != "AQAB" {
				t.Errorf("RSA key %v", k)
			}
		default:
			if !hasAlg || k["use"] != "sig" || k["d"] != nil {
				t.Errorf("another key changed: %v", k)
			}
		}
	}
}
