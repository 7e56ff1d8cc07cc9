package middleware_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
)

// interopClientKeyID is the kid of the client's key at oidc-provider.
const interopClientKeyID = "client-1"

// clientJWKS is key's public key as a JWK set, for server.js's CLIENT_JWKS.
func clientJWKS(t *testing.T, key crypto.Signer) string {
	t.Helper()
	k, err := jwk.Import(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	k.Set(jwk.KeyIDKey, interopClientKeyID)
	set := jwk.NewSet()
	set.AddKey(k)
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// authStyleFor is the interop app's AuthStyle: PrivateKeyJWT when it has
// a client key.
func authStyleFor(key crypto.Signer) verify.AuthStyle {
	if key != nil {
		return verify.PrivateKeyJWT
	}
	return verify.ClientSecretBasic
}

// clientKeyFor is the interop app's ClientKey.
func clientKeyFor(key crypto.Signer) verify.ClientKey {
	if key == nil {
		return verify.ClientKey{}
	}
	return verify.ClientKey{Signer: key, KeyID: interopClientKeyID}
}

// TestInteropPrivateKeyJWTLogin: at oidc-provider with the client
// registered for private_key_jwt only, the login's code exchange, the
// refresh and the revocation at logout authenticate by assertion; the
// revoked refresh token is then refused to a refresh client that
// authenticates the same way.
func TestInteropPrivateKeyJWTLogin(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	a := newInteropApp(t, opOptions{atTTL: 30, clientKey: key})
	c := interopBrowser()
	a.login(t, c, "alice")
	first := a.tokens(t, c)
	a.clock.advance(20 * time.Second) // due for refresh
	second := a.tokens(t, c)
	if first.RT == "" || first.AT == second.AT || first.RT == second.RT {
		t.Fatal("the session's tokens did not change with the refresh")
	}
	if code, sub := a.callAPI(second.AT); code != 200 || sub != "alice" {
		t.Errorf("API with the refreshed access token: %d %q", code, sub)
	}
	nc := &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	resp, err := nc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d (%v)", resp.StatusCode, a.lastError())
	}
	rc, err := outbound.NewRefresh(outbound.Config{Provider: a.p, ClientID: interopClientID,
		AuthStyle: verify.PrivateKeyJWT, ClientKey: clientKeyFor(key)}, second.RT, func(context.Context, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	_, err = rc.Get("http://127.0.0.1:1/")
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		t.Errorf("the revoked refresh token at oidc-provider: %v, want invalid_grant (a client auth failure would be invalid_client)", err)
	}
}

// TestInteropPrivateKeyJWTClientCredentials: the client-credentials grant
// at oidc-provider with private_key_jwt yields a token the API accepts; a
// client holding another key is refused with invalid_client.
func TestInteropPrivateKeyJWTClientCredentials(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	a := newInteropApp(t, opOptions{atTTL: 3600, clientKey: key})
	api := httptest.NewServer(a.api)
	t.Cleanup(api.Close)
	cfg := outbound.Config{Provider: a.p, ClientID: interopClientID, Scopes: []string{"api:read"},
		EndpointParams: url.Values{"resource": {interopResource}}, AuthStyle: verify.PrivateKeyJWT, ClientKey: clientKeyFor(key)}
	resp, err := ccMust(outbound.New(cfg)).Get(api.URL)
	if err != nil {
		t.Fatalf("client credentials with private_key_jwt at oidc-provider: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != interopClientID {
		t.Fatalf("API with the token: %d %q", resp.StatusCode, b)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cfg.ClientKey = verify.ClientKey{Signer: other, KeyID: interopClientKeyID}
	_, err = ccMust(outbound.New(cfg)).Get(api.URL)
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" {
		t.Errorf("a client with another key: %v, want invalid_client", err)
	}
}

// TestInteropPrivateKeyJWTIntrospection: at oidc-provider with the client
// registered for private_key_jwt only, an Introspector authenticating by
// assertion accepts the opaque token the client got the same way.
func TestInteropPrivateKeyJWTIntrospection(t *testing.T) {
	interopNode(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signing, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := startNodeOP(t, opOptions{appURL: "http://127.0.0.1:1", atTTL: 300, clientKey: key,
		env: []string{"AT_FORMAT=opaque"}}, signing)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tr, err := outbound.NewTransport(outbound.Config{Provider: p, ClientID: interopClientID, Scopes: []string{"api:read"},
		EndpointParams: url.Values{"resource": {interopResource}}, AuthStyle: verify.PrivateKeyJWT, ClientKey: clientKeyFor(key)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tr.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	in, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: interopClientID, Audiences: []string{interopResource},
		AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: key, KeyID: interopClientKeyID}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := in.Verify(context.Background(), raw)
	if err != nil || tok.ClientID != interopClientID {
		t.Fatalf("introspection with private_key_jwt at oidc-provider: %v %+v", err, tok)
	}
}
