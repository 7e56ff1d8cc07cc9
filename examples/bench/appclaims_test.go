package bench_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// appClaims is what an API reads of its own from a token.
type appClaims struct {
	Tenant string   `json:"tid"`
	Roles  []string `json:"roles"`
	Email  string   `json:"email"`
	Name   string   `json:"name"`
}

// floorApp is floorparse's one struct: the claims it checks and appClaims.
type floorApp struct {
	floorClaims
	appClaims
}

var wantApp = appClaims{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", Roles: []string{"reader", "writer"},
	Email: "alice@example.test", Name: "Alice Example"}

// check reports whether a decoded the claims the tokens carry.
func (a *appClaims) check() error {
	if a.Tenant != wantApp.Tenant || !slices.Equal(a.Roles, wantApp.Roles) || a.Email != wantApp.Email || a.Name != wantApp.Name {
		return errors.New("application claims not decoded")
	}
	return nil
}

// appFixture signs one token per alg with the application's claims, and
// returns the contenders that verify it and decode appClaims: floorparse
// (one encoding/json decode of floorApp), Gatehouse's Verify then
// Token.Claims (two decodes), and verify.VerifyInto (one).
func appFixture(op *oidctest.Server, cold *verify.Verifier, floor func(alg, raw string) error) (map[string]string, []contender) {
	ctx := context.Background()
	tokens := map[string]string{}
	for _, alg := range algs {
		c := claims(op)
		c["tid"], c["roles"], c["email"], c["name"] = wantApp.Tenant, wantApp.Roles, wantApp.Email, wantApp.Name
		tokens[alg] = op.Sign(oidctest.Token{Alg: alg, Claims: c})
	}
	return tokens, []contender{
		{"floorparse", floor},
		{"gatehouse+Claims", func(_, raw string) error {
			t, err := cold.Verify(ctx, raw)
			if err != nil {
				return err
			}
			var a appClaims
			if err := t.Claims(&a); err != nil {
				return err
			}
			return a.check()
		}},
		{"gatehouse-into", func(_, raw string) error {
			_, a, err := verify.VerifyInto[appClaims](ctx, cold, raw)
			if err != nil {
				return err
			}
			return a.check()
		}},
	}
}

// The application-claims contenders accept the tokens (and decode their
// claims) and refuse a tampered one.
func TestAppContendersAgree(t *testing.T) {
	f := setup()
	for _, c := range f.appContends {
		for _, alg := range algs {
			if err := c.verify(alg, f.appTokens[alg]); err != nil {
				t.Errorf("%s refuses the %s token: %v", c.name, alg, err)
			}
			if c.name != "floorparse" && c.verify(alg, f.tokens[alg]) == nil {
				t.Errorf("%s finds application claims in a token without them", c.name)
			}
			if c.verify(alg, f.sign(alg, map[string]any{"aud": "other"})) == nil {
				t.Errorf("%s accepts a wrong aud (%s)", c.name, alg)
			}
		}
	}
}

// BenchmarkVerifyAppClaimsPaired: verification plus the application's own
// claims, floorparse against Gatehouse's two ways, alternated in one loop.
func BenchmarkVerifyAppClaimsPaired(b *testing.B) {
	f := setup()
	paired(b, f.appTokens, f.appContends)
}
