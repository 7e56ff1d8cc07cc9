package oidctest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// assertion signs a client assertion with key, from claims.
func assertion(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(claims)
	sig, err := jws.Sign(b, jws.WithKey(jwa.ES256(), key))
	if err != nil {
		t.Fatal(err)
	}
	return string(sig)
}

// TestPrivateKeyJWT: a client registered with a public key authenticates
// by a signed assertion; each broken assertion, a replayed one and a second
// credential alongside are refused.
func TestPrivateKeyJWT(t *testing.T) {
	s := newServer(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s.AddClient(oidctest.Client{ID: "keyed", PublicKey: &key.PublicKey})
	good := func() map[string]any {
		return map[string]any{"iss": "keyed", "sub": "keyed", "aud": s.URL + "/token", "jti": rand.Text(),
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()}
	}
	send := func(a string, extra url.Values, basic bool) (*http.Response, string) {
		f := url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
		for k, v := range extra {
			f[k] = v
		}
		if basic {
			return post(t, s.URL+"/token", f, "keyed", "x")
		}
		return post(t, s.URL+"/token", f, "", "")
	}
	replayed := assertion(t, key, good())
	if resp, body := send(replayed, nil, false); resp.StatusCode != http.StatusOK {
		t.Fatalf("good assertion: %d %s", resp.StatusCode, body)
	}
	issuerAud := good()
	issuerAud["aud"] = []any{"https://elsewhere.example", s.URL}
	if resp, body := send(assertion(t, key, issuerAud), nil, false); resp.StatusCode != http.StatusOK {
		t.Fatalf("aud the issuer: %d %s", resp.StatusCode, body)
	}
	with := func(k string, v any) string {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return assertion(t, key, c)
	}
	for name, a := range map[string]string{
		"Replay":        replayed,
		"Expired":       with("exp", time.Now().Add(-time.Second).Unix()),
		"NoExp":         with("exp", nil),
		"NoJTI":         with("jti", nil),
		"WrongAudience": with("aud", "https://elsewhere.example/token"),
		"SubNotIss":     with("sub", "someone"),
		"UnknownClient": assertion(t, key, map[string]any{"iss": "nobody", "sub": "nobody", "aud": s.URL + "/token", "jti": rand.Text(), "exp": time.Now().Add(time.Minute).Unix()}),
		"OtherKey":      assertion(t, other, good()),
		"NotAJWT":       "not.a.jwt",
		"DefaultClient": assertion(t, key, map[string]any{"iss": s.ClientID, "sub": s.ClientID, "aud": s.URL + "/token", "jti": rand.Text(), "exp": time.Now().Add(time.Minute).Unix()}),
	} {
		if resp, body := send(a, nil, false); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "invalid_client") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	if resp, body := send(assertion(t, key, good()), url.Values{"client_secret": {"x"}}, false); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("assertion and client_secret: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(assertion(t, key, good()), nil, true); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("assertion and Basic: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(assertion(t, key, good()), url.Values{"client_id": {s.ClientID}}, false); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("client_id of another client: %d %s", resp.StatusCode, body)
	}
	// A keyed client without a secret cannot pass as a public client.
	if resp, body := post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"keyed"}}, "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("keyed client with no credential: %d %s", resp.StatusCode, body)
	}
}
