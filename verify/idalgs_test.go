package verify_test

import (
	"errors"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// idAndLogoutTokens signs an ID token (nonce "n") and a logout token for
// client "app" with alg.
func idAndLogoutTokens(op *oidctest.Server, alg string) (id, logout string) {
	c := baseClaims(op)
	c["aud"], c["nonce"] = "app", "n"
	id = op.Sign(oidctest.Token{Alg: alg, Claims: c})
	l := baseClaims(op)
	l["aud"], l["jti"] = "app", "j-"+alg
	l["events"] = map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}
	logout = op.Sign(oidctest.Token{Alg: alg, Header: map[string]any{"typ": "logout+jwt"}, Claims: l})
	return id, logout
}

// TestAttackIDTokenAlgNotAdvertised: ID tokens and logout tokens are held
// to the algorithms the provider advertises in
// id_token_signing_alg_values_supported (RS256 when it advertises none), so
// a token signed with another of its keys (here its ES256 key, which access
// tokens may use) is refused; Config.IDTokenAlgorithms narrows further.
func TestAttackIDTokenAlgNotAdvertised(t *testing.T) {
	rows := []struct {
		name       string
		advertised []string // nil: oidctest's RS256, ES256, EdDSA; empty: not advertised
		narrow     []string
		accept     map[string]bool
	}{
		{"advertises RS256", []string{"RS256"}, nil, map[string]bool{"RS256": true, "ES256": false, "EdDSA": false}},
		{"advertises nothing", []string{}, nil, map[string]bool{"RS256": true, "ES256": false}},
		{"advertises none and HS256 too", []string{"none", "HS256", "ES256"}, nil, map[string]bool{"ES256": true, "RS256": false}},
		{"narrowed to ES256", nil, []string{"ES256"}, map[string]bool{"RS256": false, "ES256": true, "EdDSA": false}},
		{"advertised and allowed", nil, nil, map[string]bool{"RS256": true, "ES256": true, "EdDSA": true}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			op, p, _ := keyRulesSetup(t, func(op *oidctest.Server) {
				op.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = r.advertised })
			})
			v := newVerifier(t, verify.Config{ClientID: "app", IDTokenAlgorithms: r.narrow}, p)
			for alg, want := range r.accept {
				id, logout := idAndLogoutTokens(op, alg)
				_, errID := v.VerifyIDToken(t.Context(), id, "n")
				_, errRefresh := v.VerifyRefreshedIDToken(t.Context(), id, "alice")
				_, errLogout := v.VerifyLogoutToken(t.Context(), logout)
				for what, err := range map[string]error{"ID token": errID, "refreshed ID token": errRefresh, "logout token": errLogout} {
					if want && err != nil {
						t.Errorf("%s %s refused: %v", alg, what, err)
					}
					if !want && !errors.Is(err, verify.ErrInvalid) {
						t.Errorf("%s %s: %v, want ErrInvalid", alg, what, err)
					}
				}
				// Access tokens are not ID tokens: every allowed alg passes.
				if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: alg, Claims: baseClaims(op)})); err != nil {
					t.Errorf("%s access token: %v", alg, err)
				}
			}
		})
	}
}

// TestNewVerifierIDTokenAlgorithms: IDTokenAlgorithms must lie inside
// Algorithms, and a Verifier for ID tokens (ClientID set) whose provider
// advertises no algorithm it may accept is refused at once rather than
// failing every login.
func TestNewVerifierIDTokenAlgorithms(t *testing.T) {
	_, p, _ := keyRulesSetup(t, func(op *oidctest.Server) {
		op.Set(func(b *oidctest.Behavior) { b.IDTokenSigningAlgs = []string{"HS256", "ES256"} })
	})
	for name, c := range map[string]verify.Config{
		"IDTokenAlgorithms outside Algorithms": {ClientID: "app", IDTokenAlgorithms: []string{"HS256"}},
		"IDTokenAlgorithms none":               {ClientID: "app", IDTokenAlgorithms: []string{"none"}},
		"nothing advertised is allowed":        {ClientID: "app", Algorithms: []string{"RS256"}},
		"narrowed to what is not advertised":   {ClientID: "app", IDTokenAlgorithms: []string{"RS256"}},
	} {
		c.Audiences = []string{"api"}
		if _, err := verify.NewVerifier(c, p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, Algorithms: []string{"RS256"}}, p); err != nil {
		t.Errorf("an access-token Verifier (no ClientID): %v", err)
	}
}
