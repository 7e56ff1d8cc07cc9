package middleware_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// dpopM2MAPI is an API that accepts only DPoP-bound tokens and requires its
// own nonce; it counts the requests it answered use_dpop_nonce.
type dpopM2MAPI struct {
	srv    *httptest.Server
	nonces atomic.Int64
}

func newDPoPM2MAPI(t *testing.T, op *oidctest.Server) *dpopM2MAPI {
	t.Helper()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	dv, _ := verify.NewDPoPVerifier(verify.DPoPConfig{RequireNonce: true})
	mw, err := bearer.New(bearer.Config{Verifier: v, DPoP: dv, RequireDPoP: true})
	if err != nil {
		t.Fatal(err)
	}
	a := &dpopM2MAPI{}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(tok.Subject + " " + string(body)))
	}))
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if strings.Contains(rec.Header().Get("WWW-Authenticate"), "use_dpop_nonce") {
			a.nonces.Add(1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// TestClientDPoP: the client gets a DPoP-bound token (after the token
// endpoint asks for its nonce) and calls an API that requires DPoP and its
// own nonce, with every key type; a POST body survives the nonce retry.
func TestClientDPoP(t *testing.T) {
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, key := range map[string]crypto.Signer{"ES256": ec256, "ES384": ec384, "EdDSA": ed, "PS256": rk} {
		t.Run(name, func(t *testing.T) {
			op := oidctest.NewServer()
			defer op.Close()
			op.Set(func(b *oidctest.Behavior) { b.DPoPNonce = "as-nonce-1" })
			api := newDPoPM2MAPI(t, op)
			c := ccConfig(op)
			c.DPoPKey = key
			client := ccMust(outbound.New(c))
			if code, body := ccGet(t, client, api.srv.URL+"/x"); code != 200 || body != op.ClientID+" " {
				t.Fatalf("%d %q", code, body)
			}
			if n := op.Count("token:client_credentials"); n != 2 {
				t.Errorf("%d token requests, want 2 (one refused for the nonce)", n)
			}
			if n := api.nonces.Load(); n != 1 {
				t.Errorf("the API asked for its nonce %d times, want 1", n)
			}
			// The nonces are remembered: the next call needs no retry.
			resp, err := client.Post(api.srv.URL+"/x", "text/plain", strings.NewReader("payload"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != op.ClientID+" payload" || api.nonces.Load() != 1 {
				t.Fatalf("POST: %d %q, nonce asked %d times", resp.StatusCode, b, api.nonces.Load())
			}
		})
	}
}

// TestClientDPoPNonceRetryKeepsBody: a POST refused for the API's nonce is
// sent again with its body.
func TestClientDPoPNonceRetryKeepsBody(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newDPoPM2MAPI(t, op)
	c := ccConfig(op)
	c.DPoPKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	client := ccMust(outbound.New(c))
	resp, err := client.Post(api.srv.URL+"/x", "text/plain", strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != op.ClientID+" first" || api.nonces.Load() != 1 {
		t.Fatalf("%d %q, nonce asked %d times", resp.StatusCode, b, api.nonces.Load())
	}
}

// TestAttackProviderIgnoresDPoP: a client configured for DPoP refuses a
// token the provider did not bind (token_type Bearer) rather than sending
// it as a bearer token.
func TestAttackProviderIgnoresDPoP(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) {
		b.TokenBody = `{"access_token":"x","token_type":"Bearer","expires_in":3600}`
	})
	c := ccConfig(op)
	c.DPoPKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	client := ccMust(outbound.New(c))
	_, err := client.Get(op.URL + "/userinfo")
	if !errors.Is(err, verify.ErrProvider) || !strings.Contains(err.Error(), "not DPoP") {
		t.Fatalf("%v", err)
	}
}

func TestClientDPoPKeyValidation(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	op := oidctest.NewServer()
	defer op.Close()
	for name, key := range map[string]crypto.Signer{"RSA 1024": small, "P-224": p224} {
		c := ccConfig(op)
		c.DPoPKey = key
		if _, err := outbound.New(c); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
