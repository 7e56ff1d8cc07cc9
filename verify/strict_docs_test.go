package verify_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// A discovery document that names jwks_uri twice (or in another case): the
// provider's own key set first, an attacker's after it. encoding/json would
// take the last; the document is refused.
func TestAttackDiscoveryDuplicateJWKSURI(t *testing.T) {
	var doc atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.ReplaceAll(doc.Load().(string), "ISSUER", "http://"+r.Host)))
	}))
	defer srv.Close()
	for _, d := range []string{
		`{"issuer":"ISSUER","jwks_uri":"ISSUER/jwks","jwks_uri":"https://evil.example/jwks"}`,
		`{"issuer":"ISSUER","jwks_uri":"ISSUER/jwks","JWKS_URI":"https://evil.example/jwks"}`,
		`{"issuer":"ISSUER","Issuer":"https://evil.example","jwks_uri":"ISSUER/jwks"}`,
		`{"issuer":"ISSUER","mtls_endpoint_aliases":{"token_endpoint":"a","token_endpoint":"b"}}`,
	} {
		doc.Store(d)
		p, err := verify.Discover(t.Context(), srv.URL, nil)
		if err == nil {
			p.Close()
			t.Fatalf("accepted %s", d)
		}
		if !errors.Is(err, verify.ErrMetadata) {
			t.Errorf("%s: %v does not match ErrMetadata", d, err)
		}
	}
	doc.Store(`{"issuer":"ISSUER","jwks_uri":"ISSUER/jwks"}`)
	p, err := verify.Discover(t.Context(), srv.URL, nil)
	if err != nil {
		t.Fatalf("the plain document is refused: %v", err)
	}
	p.Close()
}

// A key set whose key repeats a member ("kid" twice, "n" beside "N"): jwx
// would keep one of them; the fetch fails instead, so no key is taken from
// it: the token meets ErrUnavailable, as with any failed fetch.
func TestAttackJWKSDuplicateKeyMember(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	resp, err := http.Get(op.URL + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	real, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, tamper := range []func(string) string{
		func(s string) string { return strings.Replace(s, `"kid":`, `"kid":"other","kid":`, 1) },
		func(s string) string { return strings.Replace(s, `"n":`, `"N":"AQAB","n":`, 1) },
		func(s string) string { return strings.Replace(s, `"kty":`, `"KTY":"oct","kty":`, 1) },
		func(s string) string { return strings.Replace(s, `{"keys":`, `{"Keys":[],"keys":`, 1) },
	} {
		body := tamper(string(real))
		if body == string(real) {
			t.Fatalf("tamper left the set as it was: %s", real)
		}
		set := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		md := verify.Metadata{Issuer: op.Issuer(), JWKSURI: set.URL}
		p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.Issuer(), Metadata: &md})
		if err != nil {
			t.Fatal(err)
		}
		v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(t.Context(), op.AccessToken("alice", "api"))
		if !errors.Is(err, verify.ErrUnavailable) {
			t.Errorf("key set %.80s…: %v, want ErrUnavailable", body, err)
		}
		p.Close()
		set.Close()
	}
	// The same set untampered serves the token.
	set := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(real) }))
	defer set.Close()
	md := verify.Metadata{Issuer: op.Issuer(), JWKSURI: set.URL}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.Issuer(), Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if _, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil {
		t.Fatalf("the untampered set: %v", err)
	}
}
