package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/providers"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAppleClientSecret: the secret is an ES256 JWT with Apple's claims
// that verifies with the key, reused until half its lifetime has passed,
// then made anew.
func TestAppleClientSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		secret, err := providers.AppleClientSecret(key, "TEAM123456", "KEY1234567", "com.example.web", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		first, err := secret()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jws.Verify([]byte(first), jws.WithKey(jwa.ES256(), &key.PublicKey)); err != nil {
			t.Fatalf("the secret does not verify with ES256: %v", err)
		}
		h, c := jwtParts(t, first)
		iat, _ := c["iat"].(float64)
		exp, _ := c["exp"].(float64)
		if h["alg"] != "ES256" || h["kid"] != "KEY1234567" || c["iss"] != "TEAM123456" || c["sub"] != "com.example.web" ||
			c["aud"] != "https://appleid.apple.com" || int64(iat) != time.Now().Unix() || exp-iat != 24*3600 {
			t.Errorf("header %v claims %v", h, c)
		}
		time.Sleep(12*time.Hour - time.Second)
		if again, _ := secret(); again != first {
			t.Error("the secret was made anew before half its lifetime")
		}
		time.Sleep(time.Second)
		next, _ := secret()
		if next == first {
			t.Fatal("the secret was not made anew after half its lifetime")
		}
		if _, c := jwtParts(t, next); int64(c["iat"].(float64)) != time.Now().Unix() {
			t.Errorf("renewed secret's claims %v", c)
		}
	})
}

// TestAppleClientSecretRefusals: only a P-256 key, the IDs, and a lifetime
// of at most six months.
func TestAppleClientSecretRefusals(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, f := range map[string]func() error{
		"RSA":        func() error { _, err := providers.AppleClientSecret(rsaKey, "T", "K", "C", 0); return err },
		"P384":       func() error { _, err := providers.AppleClientSecret(p384, "T", "K", "C", 0); return err },
		"NoTeam":     func() error { _, err := providers.AppleClientSecret(p256, "", "K", "C", 0); return err },
		"NoKeyID":    func() error { _, err := providers.AppleClientSecret(p256, "T", "", "C", 0); return err },
		"NoClientID": func() error { _, err := providers.AppleClientSecret(p256, "T", "K", "", 0); return err },
		"TooLong": func() error {
			_, err := providers.AppleClientSecret(p256, "T", "K", "C", 200*24*time.Hour)
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestClientSecretFuncLogin: a login whose secret comes from
// ClientSecretFunc (client_secret_post) exchanges the code with it; New
// refuses it with another AuthStyle; a provider echoing it in an error
// does not get it into the error.
func TestClientSecretFuncLogin(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	secret, err := providers.AppleClientSecret(key, "TEAM123456", "KEY1234567", "web-client", 0)
	if err != nil {
		t.Fatal(err)
	}
	current, _ := secret()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.AddClient(oidctest.Client{ID: op.ClientID, Secret: current})
	withFunc := func(c *login.Config) {
		c.ClientSecret, c.ClientSecretFunc, c.AuthStyle = "", secret, verify.ClientSecretPost
	}
	a := newApp(t, op, withFunc)
	b := newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Errorf("/me: %d %v", code, c)
	}

	op.Set(func(b *oidctest.Behavior) { b.EchoClientSecret = "raw" })
	b = newBrowser(t)
	if resp := b.login(a, "alice"); resp.StatusCode == http.StatusFound {
		t.Fatal("login passed a provider refusing the client")
	}
	if err := a.lastErr(); err == nil || strings.Contains(err.Error(), current) || strings.Contains(err.Error(), current[:40]) {
		t.Errorf("error with the secret echoed: %v", err)
	}

	pr, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cfg := login.Config{Provider: pr, ClientID: op.ClientID, RedirectURL: "/callback", Sessions: testManager(t),
		ClientSecretFunc: secret, AuthStyle: verify.ClientSecretBasic}
	if _, err := login.New(cfg); err == nil || !strings.Contains(err.Error(), "ClientSecretFunc") {
		t.Errorf("ClientSecretFunc with ClientSecretBasic: %v", err)
	}
}
