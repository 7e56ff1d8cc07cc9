package middleware_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// A provider without a jwks_uri cannot have its ID tokens verified: New says
// so at start-up instead of every login failing later.
func TestNewRefusesOpenIDWithoutJWKS(t *testing.T) {
	md := verify.Metadata{AuthorizationEndpoint: "https://op.example/authorize", TokenEndpoint: "https://op.example/token",
		UserinfoEndpoint: "https://op.example/userinfo"}
	p, err := verify.NewProvider(context.Background(), verify.ProviderConfig{Issuer: "https://op.example", Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	store, _ := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	sessions, _ := session.New(session.Config{Store: store})
	c := login.Config{Provider: p, ClientID: "c", RedirectURL: "https://app.example/cb", Sessions: sessions}
	if _, err := login.New(c); err == nil || !strings.Contains(err.Error(), "jwks_uri") {
		t.Errorf("openid scope without jwks_uri: %v, want an error naming jwks_uri", err)
	}
	c.Scopes = []string{"read:user"} // plain OAuth 2.0: the user from userinfo
	if _, err := login.New(c); err != nil {
		t.Errorf("plain OAuth 2.0 without jwks_uri: %v", err)
	}
}
