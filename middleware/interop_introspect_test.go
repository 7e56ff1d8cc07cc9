package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
)

// panvaClientToken asks op for a client-credentials access token, for
// resource when not empty.
func panvaClientToken(t *testing.T, op *nodeOP, resource string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if resource != "" {
		form.Set("resource", resource)
		form.Set("scope", "api:read")
	}
	req, _ := http.NewRequest("POST", op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(interopClientID, op.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr map[string]any
	json.NewDecoder(resp.Body).Decode(&tr)
	at, _ := tr["access_token"].(string)
	if resp.StatusCode != 200 || at == "" {
		t.Fatalf("token request: %d %v", resp.StatusCode, tr)
	}
	return at
}

// TestInteropIntrospection: panva's oidc-provider issues opaque access
// tokens (AT_FORMAT=opaque for the API's resource; DEFAULT_RESOURCE= leaves
// tokens requested without a resource opaque and without an audience), and
// an API behind Bearer with an Introspector accepts them by asking its
// introspection endpoint, in JSON or as RFC 9701 signed answers.
func TestInteropIntrospection(t *testing.T) {
	interopNode(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := startNodeOP(t, opOptions{appURL: "http://127.0.0.1:1", atTTL: 300,
		env: []string{"DEFAULT_RESOURCE=", "AT_FORMAT=opaque"}}, key)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Metadata().IntrospectionEndpoint == "" {
		t.Fatal("no introspection_endpoint in the provider's metadata")
	}
	api := func(mod func(*verify.IntrospectionConfig)) http.Handler {
		c := verify.IntrospectionConfig{Provider: p, ClientID: interopClientID, ClientSecret: op.secret,
			Audiences: []string{interopResource}}
		if mod != nil {
			mod(&c)
		}
		in, err := verify.NewIntrospector(c)
		if err != nil {
			t.Fatal(err)
		}
		return bearer.Protect(in, "api:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := bearer.Token(r.Context())
			w.Write([]byte(tok.ClientID + " " + strings.Join(tok.Audience, ",")))
		}))
	}

	raw := panvaClientToken(t, op, interopResource)
	if strings.Contains(raw, ".") {
		t.Fatalf("panva issued a JWT, not an opaque token: %s", raw)
	}
	for name, mod := range map[string]func(*verify.IntrospectionConfig){
		"json": nil,
		"jwt":  func(c *verify.IntrospectionConfig) { c.RequireJWTResponse = true },
	} {
		w := serve(api(mod), get("/", raw))
		if w.Code != 200 || w.Body.String() != interopClientID+" "+interopResource {
			t.Fatalf("%s: %d %s %v", name, w.Code, w.Body, w.Header())
		}
	}

	// Attack: a made-up token is inactive at panva, 401.
	if w := serve(api(nil), get("/", "made-up-token")); w.Code != 401 || !strings.Contains(w.Body.String(), "inactive") {
		t.Fatalf("made-up token: %d %s", w.Code, w.Body)
	}
	// Attack: a token without the API's audience (no resource requested).
	noAud := panvaClientToken(t, op, "")
	if w := serve(api(nil), get("/", noAud)); w.Code != 401 || !strings.Contains(w.Body.String(), "aud") {
		t.Fatalf("token without audience: %d %s", w.Code, w.Body)
	}
	// It is active all the same: an API that takes any audience accepts it.
	anyAud, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: interopClientID,
		ClientSecret: op.secret, InsecureSkipAudience: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(noAud, ".") {
		t.Fatalf("panva issued a JWT without a resource: %s", noAud)
	}
	if tok, err := anyAud.Verify(t.Context(), noAud); err != nil || tok.ClientID != interopClientID || len(tok.Audience) != 0 {
		t.Fatalf("token without audience, any audience accepted: %+v %v", tok, err)
	}
	// Attack: the token revoked at panva is inactive (a fresh Introspector:
	// an answer may be cached up to CacheTTL).
	form := url.Values{"token": {raw}}
	req, _ := http.NewRequest("POST", op.URL+"/token/revocation", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(interopClientID, op.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revocation: %v %v", resp, err)
	}
	resp.Body.Close()
	if w := serve(api(nil), get("/", raw)); w.Code != 401 {
		t.Fatalf("revoked token: %d %s", w.Code, w.Body)
	}
	// Wrong client secret: the endpoint refuses the API, which answers 503.
	if w := serve(api(func(c *verify.IntrospectionConfig) { c.ClientSecret = "wrong" }), get("/", raw)); w.Code != 503 {
		t.Fatalf("API with a wrong secret: %d", w.Code)
	}
	// The provider down: 503.
	op.stop()
	if w := serve(api(nil), get("/", noAud)); w.Code != 503 {
		t.Fatalf("provider down: %d", w.Code)
	}
}

// TestInteropClientResourceIndicator: panva's oidc-provider ignores the
// non-standard "audience" parameter; only an RFC 8707 "resource" in the
// client's EndpointParams gets a token for the API (DEFAULT_RESOURCE= so
// that no resource is filled in for the client).
func TestInteropClientResourceIndicator(t *testing.T) {
	interopNode(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := startNodeOP(t, opOptions{appURL: "http://127.0.0.1:1", atTTL: 300, env: []string{"DEFAULT_RESOURCE="}}, key)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{interopResource}, Type: "at+jwt"}, p)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(bearer.Protect(v, "api:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer api.Close()
	for name, tc := range map[string]struct {
		params url.Values
		status int
	}{
		"audience": {url.Values{"audience": {interopResource}}, 401},
		"resource": {url.Values{"resource": {interopResource}}, 200},
	} {
		c, err := outbound.New(outbound.Config{TokenURL: p.Metadata().TokenEndpoint, ClientID: interopClientID,
			ClientSecret: op.secret, AuthStyle: verify.ClientSecretBasic, Scopes: []string{"api:read"}, EndpointParams: tc.params})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Get(api.URL)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.status)
		}
	}
}

// TestInteropIntrospectedDPoP: panva's opaque DPoP-bound tokens
// (AT_FORMAT=opaque, a DPoP client) are accepted by introspection with the
// DPoP scheme and a proof; the introspection answer's cnf.jkt binds them,
// so the same token sent as a bearer token is refused.
func TestInteropIntrospectedDPoP(t *testing.T) {
	interopNode(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := startNodeOP(t, opOptions{appURL: "http://127.0.0.1:1", atTTL: 300, env: []string{"AT_FORMAT=opaque"}}, key)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	in, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: interopClientID,
		ClientSecret: op.secret, Audiences: []string{interopResource}})
	if err != nil {
		t.Fatal(err)
	}
	dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := bearer.New(bearer.Config{Verifier: in, DPoP: dv})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Confirmation.JKT))
	})))
	defer api.Close()
	dpopKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tr, err := outbound.NewTransport(outbound.Config{Provider: p, ClientID: interopClientID, ClientSecret: op.secret,
		Scopes: []string{"api:read"}, EndpointParams: url.Values{"resource": {interopResource}}, DPoPKey: dpopKey})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if jkt := proofKeyOf(t, dpopKey).jkt; resp.StatusCode != 200 || string(b) != jkt {
		t.Fatalf("DPoP-bound opaque token: %d %q, want jkt %s", resp.StatusCode, b, jkt)
	}
	tok, err := tr.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, ".") {
		t.Fatalf("panva issued a JWT: %s", tok)
	}
	req, _ := http.NewRequest("GET", api.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("the DPoP-bound token sent as a bearer token: %d", resp.StatusCode)
	}
}
