package providers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The Apple preset asks for name and email with a form-post answer, signs
// its client secret, and its configuration passes login.New against a
// provider shaped like Apple's (oidctest standing in for appleid.apple.com).
func TestApple(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p, err := Apple(AppleClient{ServicesID: "com.example.web", TeamID: "TEAM123456", KeyID: "KEY1234567", Key: key,
		RedirectURL: "https://app.example.com/callback"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Provider.Issuer != "https://appleid.apple.com" || !p.Config.FormPost || p.Config.AuthStyle != verify.ClientSecretPost ||
		p.Config.ClientSecretFunc == nil || p.Config.ClientSecret != "" {
		t.Fatalf("preset %+v", p)
	}
	secret, err := p.Config.ClientSecretFunc()
	if err != nil || len(secret) < 100 {
		t.Fatalf("client secret %q, %v", secret, err)
	}
	op := oidctest.NewServer()
	defer op.Close()
	p.Provider.Issuer = op.URL
	cfg, prov, err := p.Discover(context.Background(), newSessions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Close()
	auth, err := login.New(cfg)
	if err != nil {
		t.Fatalf("New with the Apple preset: %v", err)
	}
	w := httptest.NewRecorder()
	auth.Login(w, httptest.NewRequest("GET", "https://app.example.com/login", nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	q := loc.Query()
	if q.Get("response_mode") != "form_post" || q.Get("scope") != "openid name email" || q.Get("client_id") != "com.example.web" {
		t.Errorf("authorization request %s", loc)
	}
	// Without a key, or with one Apple cannot use, there is no preset.
	if _, err := Apple(AppleClient{ServicesID: "s", TeamID: "t", KeyID: "k", RedirectURL: "https://a/cb"}); err == nil {
		t.Error("no key: accepted")
	}
}
