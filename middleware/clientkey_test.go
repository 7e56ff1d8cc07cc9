package middleware_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// keyedProvider is an oidctest provider whose default client is registered
// with key's public key and no secret: it authenticates by private_key_jwt
// only, and refuses a request carrying a secret besides the assertion.
func keyedProvider(t *testing.T, key crypto.Signer) *oidctest.Server {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.AddClient(oidctest.Client{ID: op.ClientID, PublicKey: key.Public()})
	return op
}

// jwtParts decodes a compact JWS's header and claims.
func jwtParts(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		t.Fatalf("client_assertion %q is not a compact JWS", raw)
	}
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(p[i])
		if err != nil || json.Unmarshal(b, into) != nil {
			t.Fatalf("client_assertion part %d: %v", i, err)
		}
	}
	return header, claims
}

// TestPrivateKeyJWTLogin: with PrivateKeyJWT the code exchange, the
// refresh, the pushed authorization request and the revocation at logout
// all authenticate by assertion. The provider knows only the key and refuses
// a request that also carries the secret (still configured), so success
// shows the assertion was used and the secret never sent.
func TestPrivateKeyJWTLogin(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := keyedProvider(t, key)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op, func(c *login.Config) {
		c.AuthStyle = verify.PrivateKeyJWT
		c.ClientKey = verify.ClientKey{Signer: key, KeyID: "k1"}
		c.PushedAuthorization = true
	})
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Fatalf("/me: %d %v", code, c)
	}
	a.clock.advance(20 * time.Second) // the access token is due for refresh
	req, _ := http.NewRequest("GET", a.srv.URL+"/token", nil)
	if resp, tok := b.do(req); resp.StatusCode != 200 || tok == "" {
		t.Fatalf("refresh: %d (%v)", resp.StatusCode, a.lastErr())
	}
	req, _ = http.NewRequest("POST", a.srv.URL+"/logout", nil)
	req.Header.Set("Origin", a.srv.URL)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d (%v)", resp.StatusCode, a.lastErr())
	}
	for what, want := range map[string]int{"par": 1, "token:authorization_code": 1, "token:refresh_token": 1} {
		if n := op.Count(what); n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
	if n := len(op.RevokedTokens()); n != 1 {
		t.Errorf("revoked %d tokens, want the refresh token", n)
	}
}

// TestPrivateKeyJWTClientCredentials: each key type signs with its
// algorithm, the provider accepts it, and what goes out is an assertion
// with the claims RFC 7523 §3 asks for and a fresh jti per request, with
// no secret in the form or an Authorization header.
func TestPrivateKeyJWTClientCredentials(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for alg, key := range map[string]crypto.Signer{"RS256": rsaKey, "ES256": ecKey, "EdDSA": edKey} {
		t.Run(alg, func(t *testing.T) {
			op := keyedProvider(t, key)
			api := newM2MAPI(t, op)
			tap := newTokenTap(t, op)
			cfg := outbound.Config{TokenURL: tap.srv.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret,
				AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: key, KeyID: "key-1", Audience: op.URL + "/token"}}
			for range 2 { // two clients: two token requests
				if code, body := ccGet(t, ccMust(outbound.New(cfg)), api.srv.URL); code != 200 {
					t.Fatalf("API: %d %s", code, body)
				}
			}
			jtis := map[any]bool{}
			for i, f := range tap.form {
				if tap.auth[i] != "" || f.Has("client_secret") || f.Get("client_id") != op.ClientID ||
					f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
					t.Fatalf("request %d: Authorization %q, form %v", i, tap.auth[i], f)
				}
				h, c := jwtParts(t, f.Get("client_assertion"))
				exp, _ := c["exp"].(float64)
				iat, _ := c["iat"].(float64)
				if h["alg"] != alg || h["kid"] != "key-1" || c["iss"] != op.ClientID || c["sub"] != op.ClientID ||
					c["aud"] != op.URL+"/token" || exp-iat != 60 || c["jti"] == nil {
					t.Errorf("request %d: header %v claims %v", i, h, c)
				}
				jtis[c["jti"]] = true
			}
			if len(jtis) != 2 {
				t.Errorf("jti repeated across requests: %v", jtis)
			}
		})
	}
}

// TestPrivateKeyJWTRefreshClient: the refresh-token client authenticates by
// assertion too.
func TestPrivateKeyJWTRefreshClient(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	rt := provisionRefreshToken(t, op) // with the secret; from here on the client has only its key
	op.AddClient(oidctest.Client{ID: op.ClientID, PublicKey: key.Public()})
	api := newM2MAPI(t, op)
	ck := verify.ClientKey{Signer: key}
	rc, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		AuthStyle: verify.PrivateKeyJWT, ClientKey: ck}, rt, func(context.Context, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if code, body := ccGet(t, rc, api.srv.URL); code != 200 {
		t.Fatalf("refresh client: %d %s", code, body)
	}
	if n := op.Count("token:refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// TestAttackPrivateKeyJWTSecretNeverSent: a provider that echoes what it
// received shows no secret, even with ClientSecret still configured.
func TestAttackPrivateKeyJWTSecretNeverSent(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := keyedProvider(t, key)
	tap := newTokenTap(t, op)
	op.Set(func(b *oidctest.Behavior) { b.TokenStatus = 400 })
	c := ccMust(outbound.New(outbound.Config{TokenURL: tap.srv.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: key}}))
	if _, err := c.Get("http://127.0.0.1:1/"); err == nil {
		t.Fatal("a refused token request gave no error")
	}
	for i, f := range tap.form {
		if tap.auth[i] != "" || f.Has("client_secret") || strings.Contains(f.Encode(), op.ClientSecret) {
			t.Errorf("request %d sent the secret: Authorization %q form %v", i, tap.auth[i], f)
		}
	}
	if len(tap.form) == 0 {
		t.Error("no token request seen")
	}
}

// TestNewRefusesBadClientKey: PrivateKeyJWT without a key, with a key it
// cannot sign with, and a key without PrivateKeyJWT are configuration
// errors, for every config that takes an AuthStyle.
func TestNewRefusesBadClientKey(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	weakRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	good, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, c := range map[string]struct {
		style verify.AuthStyle
		key   verify.ClientKey
	}{
		"NoKey":           {verify.PrivateKeyJWT, verify.ClientKey{}},
		"RSA1024":         {verify.PrivateKeyJWT, verify.ClientKey{Signer: weakRSA}},
		"P224":            {verify.PrivateKeyJWT, verify.ClientKey{Signer: p224}},
		"UnknownKeyType":  {verify.PrivateKeyJWT, verify.ClientKey{Signer: opaqueSigner{}}},
		"KeyWithoutStyle": {verify.ClientSecretBasic, verify.ClientKey{Signer: good}},
	} {
		errs := map[string]error{}
		_, errs["outbound: Config"] = outbound.New(outbound.Config{TokenURL: op.URL + "/token", ClientID: "c", ClientSecret: "s", AuthStyle: c.style, ClientKey: c.key})
		_, errs["outbound: NewRefresh"] = outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: "c", AuthStyle: c.style, ClientKey: c.key}, "r", func(context.Context, string) error { return nil })
		_, errs["outbound: NewExchange"] = outbound.NewExchange(outbound.Config{TokenURL: op.URL + "/token", ClientID: "c", EndpointParams: url.Values{"audience": {"api"}}, AuthStyle: c.style, ClientKey: c.key})
		_, errs["login: Config"] = login.New(login.Config{Provider: p, ClientID: "c", RedirectURL: "/callback",
			Sessions: testManager(t), AuthStyle: c.style, ClientKey: c.key})
		for cfg, err := range errs {
			if err == nil || !strings.Contains(err.Error(), cfg) {
				t.Errorf("%s: %s: %v, want an error naming the config", name, cfg, err)
			}
		}
	}
}

// opaqueSigner is a crypto.Signer whose public key is of no known type.
type opaqueSigner struct{}

func (opaqueSigner) Public() crypto.PublicKey { return "not a key" }
func (opaqueSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("opaque")
}

// TestPrivateKeyJWTRefusedNamesMethod: a provider that does not know the
// key answers invalid_client; the error says private_key_jwt was used.
func TestPrivateKeyJWTRefusedNamesMethod(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := keyedProvider(t, key)
	c := ccMust(outbound.New(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: other}}))
	_, err := c.Get("http://127.0.0.1:1/")
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" || !strings.Contains(err.Error(), "private_key_jwt") {
		t.Errorf("unknown key: %v, want invalid_client naming private_key_jwt", err)
	}
	if s := verify.PrivateKeyJWT.String(); s != "private_key_jwt" {
		t.Errorf("PrivateKeyJWT.String() = %q", s)
	}
}

// TestPrivateKeyJWTExchangeClient: the token-exchange client authenticates
// by assertion (the provider knows only the client's key).
func TestPrivateKeyJWTExchangeClient(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	x := newExchangeAPIs(t, outbound.Config{Scopes: []string{"read"},
		AuthStyle: verify.PrivateKeyJWT, ClientKey: verify.ClientKey{Signer: key}})
	x.op.AddClient(oidctest.Client{ID: x.op.ClientID, PublicKey: key.Public()})
	if code, body := x.call(t, x.op.AccessToken("alice", "api-a", "read")); code != 200 || body != "alice api-b read" {
		t.Fatalf("%d %q", code, body)
	}
}
