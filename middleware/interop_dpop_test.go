package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
)

// TestInteropDPoP: the client-credentials grant with DPoP at panva's
// oidc-provider, which asks for its nonce first, yields a DPoP-bound token
// (token_type DPoP, cnf.jkt) that a Bearer API with DPoP, requiring DPoP
// and its own nonce, accepts from the client; the same token sent as a
// bearer token is refused.
func TestInteropDPoP(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 3600, dpopNonce: true})
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{interopResource}, Type: "at+jwt"}, a.p)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{RequireNonce: true})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := bearer.New(bearer.Config{Verifier: v, DPoP: dv, RequireDPoP: true})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Subject + " " + tok.Confirmation.JKT))
	})))
	t.Cleanup(api.Close)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tap := &valueTap{next: http.DefaultTransport} // counts the token requests
	cfg := outbound.Config{Provider: a.p, ClientID: interopClientID, ClientSecret: a.op.secret,
		Scopes: []string{"api:read"}, EndpointParams: url.Values{"resource": {interopResource}}, DPoPKey: key,
		HTTPClient: &http.Client{Transport: tap}}
	tr, err := outbound.NewTransport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(api.URL)
	if err != nil {
		t.Fatalf("DPoP client credentials at oidc-provider: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pk := proofKeyOf(t, key).jkt
	if resp.StatusCode != 200 || string(b) != interopClientID+" "+pk {
		t.Fatalf("API with a DPoP-bound token from oidc-provider: %d %q (want jkt %s)", resp.StatusCode, b, pk)
	}
	if n := len(tap.seen); n != 2 {
		t.Errorf("%d token requests, want 2 (the first refused with use_dpop_nonce)", n)
	}
	tok, err := tr.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := a.callAPI(tok); code != 401 {
		t.Fatalf("the DPoP-bound token sent as a bearer token: %d", code)
	}
}
