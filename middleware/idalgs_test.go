package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackIDTokenAlgNotAdvertised: the provider advertises RS256 alone in
// id_token_signing_alg_values_supported; an ID token signed with its ES256
// key (published, usable for access tokens) is refused at the callback and
// a logout token so signed at the back-channel endpoint. Config.
// IDTokenAlgorithms narrows further: {"ES256"} refuses the provider's RS256
// ID tokens.
func TestAttackIDTokenAlgNotAdvertised(t *testing.T) {
	rows := []struct {
		name       string
		advertised []string
		narrow     []string
		accept     map[string]bool
	}{
		{"advertises RS256 only", []string{"RS256"}, nil, map[string]bool{"ES256": false, "EdDSA": false, "RS256": true}},
		{"IDTokenAlgorithms ES256", nil, []string{"ES256"}, map[string]bool{"RS256": false, "ES256": true}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			op := oidctest.NewServer()
			defer op.Close()
			op.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = r.advertised })
			a := withBackchannel(newApp(t, op, func(c *login.Config) { c.IDTokenAlgorithms = r.narrow }))
			for alg, want := range r.accept {
				op.Set(func(b *oidctest.Behavior) { b.IDTokenAlg = alg })
				b := newBrowser(t)
				resp := b.login(a, "alice")
				code, _ := b.me(a)
				switch {
				case want && (resp.StatusCode != http.StatusFound || code != 200):
					t.Errorf("%s ID token: callback %d, /me %d (%v)", alg, resp.StatusCode, code, a.lastErr())
				case !want && (resp.StatusCode != http.StatusBadGateway || code != 401):
					t.Errorf("%s ID token: callback %d, /me %d, want 502 and no session", alg, resp.StatusCode, code)
				case !want && !errors.Is(a.lastErr(), verify.ErrProvider):
					t.Errorf("%s ID token: error %v, want ErrProvider", alg, a.lastErr())
				}
				tok := op.Sign(oidctest.Token{Alg: alg, Header: map[string]any{"typ": "logout+jwt"}, Claims: logoutClaims(op, nil)})
				code, body := postLogout(t, a, tok)
				if want != (code == 200) || (!want && !strings.Contains(body, "invalid_request")) {
					t.Errorf("%s logout token: %d %s", alg, code, body)
				}
			}
		})
	}
}

// TestNewRefusesIDTokenAlgorithmsOutsideTheAllowlist: New fails, naming the
// field, for an algorithm verify never accepts here, and when the provider
// advertises none of the narrowed algorithms.
func TestNewRefusesIDTokenAlgorithmsOutsideTheAllowlist(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = []string{"RS256"} })
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, algs := range [][]string{{"HS256"}, {"none"}, {"ES256"}} {
		_, err := login.New(login.Config{Provider: p, ClientID: "c", RedirectURL: "/callback",
			Sessions: newApp(t, op).sessions, IDTokenAlgorithms: algs})
		if err == nil || !strings.Contains(err.Error(), "IDTokenAlgorithms") && !strings.Contains(err.Error(), "advertises") {
			t.Errorf("IDTokenAlgorithms %v: %v", algs, err)
		}
	}
}
