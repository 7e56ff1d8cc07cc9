package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// parLogin logs alice in and checks that the browser carried only
// client_id and request_uri to the provider.
func parLogin(t *testing.T, a *app) {
	t.Helper()
	b := newBrowser(t)
	authURL := b.startLogin(a, "/me")
	q := mustQuery(t, authURL)
	if len(q) != 2 || q.Get("client_id") != a.op.ClientID || !strings.HasPrefix(q.Get("request_uri"), "urn:ietf:params:oauth:request_uri:") {
		t.Fatalf("authorization redirect %s: want only client_id and request_uri", authURL)
	}
	if !strings.HasPrefix(authURL, a.op.URL+"/authorize?") {
		t.Errorf("redirect to %s, not the authorization endpoint", authURL)
	}
	if resp, _ := b.get(callbackURL(t, a, "alice", authURL), "text/html"); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Errorf("/me: %d %v", code, c)
	}
}

func TestPushedAuthorization(t *testing.T) {
	for _, style := range []verify.AuthStyle{verify.ClientSecretBasic, verify.ClientSecretPost} {
		a := newApp(t, nil, func(c *login.Config) { c.PushedAuthorization = true; c.AuthStyle = style })
		parLogin(t, a)
		if n := a.op.Count("par"); n != 1 {
			t.Errorf("style %d: %d pushes, want 1", style, n)
		}
	}
}

// A provider that requires PAR gets it without the application asking.
func TestPushedAuthorizationWhenProviderRequiresIt(t *testing.T) {
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.RequirePAR = true })
	a := newApp(t, op, withMaxAge(5*time.Minute))
	parLogin(t, a)
}

// The push fails (the provider refuses the client): the login stops with a
// 502 naming the provider's error code, and the secret is never shown.
func TestPushedAuthorizationRefused(t *testing.T) {
	a := newApp(t, nil, func(c *login.Config) { c.PushedAuthorization = true; c.ClientSecret = "wrong-secret" })
	b := newBrowser(t)
	resp, body := b.get(a.srv.URL+"/login", "text/html")
	var ae *login.AuthError
	err := a.lastErr()
	if resp.StatusCode != http.StatusBadGateway || !errors.As(err, &ae) || ae.Code != "invalid_client" || !errors.Is(err, verify.ErrProvider) {
		t.Errorf("refused push: %d (%v)", resp.StatusCode, err)
	}
	if strings.Contains(body, "wrong-secret") || resp.Header.Get("Location") != "" {
		t.Errorf("refused push answered %q, Location %q", body, resp.Header.Get("Location"))
	}
}

func TestNewRefusesPushedAuthorizationWithoutEndpoint(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	md := &verify.Metadata{AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", JWKSURI: op.URL + "/jwks"}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := login.Config{Provider: p, ClientID: "c", RedirectURL: "/callback", Sessions: testManager(t), PushedAuthorization: true}
	if _, err := login.New(c); err == nil || !strings.Contains(err.Error(), "pushed_authorization_request_endpoint") {
		t.Errorf("PAR without an endpoint: %v", err)
	}
	md.RequirePushedAuthorizationRequests = true
	p2, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	c.Provider, c.PushedAuthorization = p2, false
	if _, err := login.New(c); err == nil {
		t.Error("a provider requiring PAR without an endpoint was accepted")
	}
}
