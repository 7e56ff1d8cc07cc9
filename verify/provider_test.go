package verify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestDiscover(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	md := p.Metadata()
	if md.Issuer != op.Issuer() || md.TokenEndpoint != op.URL+"/token" || md.JWKSURI != op.URL+"/jwks" {
		t.Errorf("metadata %+v", md)
	}
	if len(md.Raw) == 0 {
		t.Error("Raw is empty")
	}
	if op.Count("discovery") != 1 || op.Count("oauth-metadata") != 0 {
		t.Errorf("discovery fetched %d times, RFC 8414 %d times", op.Count("discovery"), op.Count("oauth-metadata"))
	}
}

func TestDiscoverFallsBackToRFC8414(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.DisableOIDCDiscovery = true })
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Metadata().TokenEndpoint == "" || op.Count("oauth-metadata") != 1 {
		t.Errorf("fallback not used: %+v", p.Metadata())
	}
}

func TestDiscoverRejects(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"issuer":"` + strings.Repeat("x", 2<<20) + `"}`))
	}))
	defer big.Close()
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html>hello</html>`))
	}))
	defer notJSON.Close()
	down := httptest.NewServer(nil)
	down.Close()

	rows := []struct {
		name   string
		issuer string
		setup  func(*oidctest.Behavior)
		is     error
	}{
		{"issuer mismatch", op.URL, func(b *oidctest.Behavior) { b.DiscoveryIssuer = "https://evil.example" }, verify.ErrMetadata},
		{"issuer differs by a trailing slash", op.URL + "/", nil, verify.ErrMetadata},
		{"http on a public host", "http://example.com", nil, verify.ErrMetadata},
		{"not a URL", "issuer", nil, verify.ErrMetadata},
		{"a scheme other than https", "ftp://example.com", nil, verify.ErrMetadata},
		{"discovery answers 500", op.URL, func(b *oidctest.Behavior) { b.DiscoveryStatus = 500 }, verify.ErrUnavailable},
		{"provider down", down.URL, nil, verify.ErrUnavailable},
		{"document over 1 MiB", big.URL, nil, verify.ErrMetadata},
		{"document not JSON", notJSON.URL, nil, verify.ErrMetadata},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
			if tc.setup != nil {
				op.Set(tc.setup)
			}
			p, err := verify.Discover(t.Context(), tc.issuer, nil)
			if err == nil {
				p.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v: want errors.Is %v", err, tc.is)
			}
		})
	}
}

func TestDiscoverHonoursContext(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := verify.Discover(ctx, slow.URL, nil); !errors.Is(err, verify.ErrUnavailable) {
		t.Errorf("cancelled discovery: %v, want ErrUnavailable", err)
	}
}

func TestNewProviderWithMetadata(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{
		Issuer:   op.Issuer(),
		Metadata: &verify.Metadata{JWKSURI: op.URL + "/jwks", TokenEndpoint: op.URL + "/token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if op.Count("discovery") != 0 {
		t.Error("metadata given by hand, but discovery was fetched")
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), op.AccessToken("alice", "api")); err != nil {
		t.Errorf("Verify: %v", err)
	}
	_, err = verify.NewProvider(t.Context(), verify.ProviderConfig{
		Issuer: op.Issuer(), Metadata: &verify.Metadata{JWKSURI: "http://example.com/jwks"},
	})
	if !errors.Is(err, verify.ErrMetadata) {
		t.Errorf("http jwks_uri on a public host: %v, want ErrMetadata", err)
	}
}
