package middleware_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// A provider that advertises client_secret_basic but accepts only
// client_secret_post answers invalid_client: the error names the method in
// use and the AuthStyle to try, and stays a ProviderError; with
// ClientSecretPost the same provider signs the user in.
func TestOnlyClientSecretPost(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OnlyClientSecretPost = true })
	a := newApp(t, op)
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 502 {
		t.Fatalf("login with client_secret_basic: %d, want 502", resp.StatusCode)
	}
	err := a.lastErr()
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" {
		t.Fatalf("error %v, want a ProviderError invalid_client", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "client_secret_basic") || !strings.Contains(msg, "ClientSecretPost") {
		t.Errorf("error %q names neither the method in use nor the one to try", msg)
	}

	post := newApp(t, op, func(c *login.Config) { c.AuthStyle = verify.ClientSecretPost })
	if resp := newBrowser(t).login(post, "alice"); resp.StatusCode != 302 {
		t.Errorf("login with client_secret_post: %d (%v)", resp.StatusCode, post.lastErr())
	}

	// The machine-to-machine client says the same.
	c := ccMust(outbound.New(ccConfig(op)))
	_, err = c.Get(op.URL + "/userinfo")
	if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), "client_secret_basic") || !strings.Contains(err.Error(), "ClientSecretPost") {
		t.Errorf("client credentials: %v", err)
	}
}

// invalid_client under ClientSecretPost suggests ClientSecretBasic.
func TestInvalidClientSuggestsBasic(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	cfg := ccConfig(op)
	cfg.AuthStyle, cfg.ClientSecret = verify.ClientSecretPost, "wrong"
	_, err := ccMust(outbound.New(cfg)).Get(op.URL + "/userinfo")
	if err == nil || !strings.Contains(err.Error(), "client_secret_post") || !strings.Contains(err.Error(), "ClientSecretBasic") {
		t.Errorf("client credentials: %v", err)
	}
}

// A wrong or missing client secret cannot show before a login: login.New
// makes no request (providers check a secret only with a grant, and a
// probe would need a real code, or a client_credentials grant a web client
// is seldom allowed). The first login answers 502 invalid_client, its log
// line says to check the client ID and secret, and neither shows the
// secret.
func TestWrongClientSecretAtFirstLogin(t *testing.T) {
	for name, secret := range map[string]string{"wrong": "wrong-secret-4f9a1c", "missing": ""} {
		t.Run(name, func(t *testing.T) {
			logs := &lockedBuffer{}
			a, _ := appAt(t, logs, nil, func(c *login.Config) { c.ClientSecret = secret })
			b := newBrowser(t)
			resp, body := b.get(callbackURL(t, a, "alice", b.startLogin(a, "")), "text/html")
			if resp.StatusCode != 502 || !strings.Contains(body, "<code>invalid_client</code>") {
				t.Fatalf("login: %d %s", resp.StatusCode, body)
			}
			log := logs.String()
			if !strings.Contains(log, "invalid_client") || !strings.Contains(log, "check the client ID and secret") {
				t.Errorf("the log line does not say what to check:\n%s", log)
			}
			if secret != "" && strings.Contains(log+body, secret) {
				t.Error("the secret is in the log or the page")
			}
		})
	}
}
