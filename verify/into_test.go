package verify_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// appClaims is an application's own claims type, decoded in one pass.
type appClaims struct {
	Tenant string   `json:"tid"`
	Roles  []string `json:"roles"`
	Email  string   `json:"email"`
}

func appToken(op *oidctest.Server, extra string) string {
	c := baseClaims(op)
	c["tid"], c["roles"], c["email"] = "t-1", []string{"reader", "writer"}, "alice@example.test"
	return op.Sign(oidctest.Token{Alg: "ES256", Claims: c, ExtraClaims: extra})
}

func TestVerifyIntoReadsAppClaims(t *testing.T) {
	for _, size := range []int{-1, 0} { // cache off; on (second call hits)
		op, v := setup(t, verify.Config{CacheSize: size})
		raw := appToken(op, "")
		for range 2 {
			tok, app, err := verify.VerifyInto[appClaims](t.Context(), v, raw)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Subject != "alice" || app.Tenant != "t-1" || len(app.Roles) != 2 || app.Email != "alice@example.test" {
				t.Fatalf("cache %d: token %+v, app claims %+v", size, tok, app)
			}
		}
	}
}

// Every strict-JSON attack is refused by VerifyInto as by Verify, and what
// Verify accepts VerifyInto accepts.
func TestVerifyIntoRefusesWhatVerifyRefuses(t *testing.T) {
	op, v := setup(t, verify.Config{CacheSize: -1})
	future := `4102444800`
	for _, extra := range []string{
		"",
		`"EXP":` + future, `"Exp":` + future, `"aud":"other"`, `"AUD":"api"`, `"ſub":"admin"`,
		`"\u017fub":"admin"`, `"nonce":"a","nonce":"b"`, `"Tid":"t-2"`, `"tid":"t-2"`, `"TID":"t-2"`,
		`"\u212aid":"k"`, `"athash":"x"`, `"at-hash":"x"`, `"scp":[1]`, `"scp":null`, `"iat":"1"`,
		`"exp":1e400`, `"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100),
		`"email":"m@example.test"`, `"Email":"m@example.test"`, `"roles":"admin"`,
	} {
		raw := appToken(op, extra)
		_, errV := v.Verify(t.Context(), raw)
		tok, app, errI := verify.VerifyInto[appClaims](t.Context(), v, raw)
		switch {
		case extra == `"roles":"admin"` || extra == `"tid":"t-2"` || extra == `"email":"m@example.test"`:
			// Verify reads no roles, tid or email; the second of two equal
			// names is refused by both.
			if !errors.Is(errI, verify.ErrInvalid) {
				t.Errorf("%s: VerifyInto %v", extra, errI)
			}
		case (errV == nil) != (errI == nil):
			t.Errorf("%s: Verify %v, VerifyInto %v", extra, errV, errI)
		case errI != nil && !errors.Is(errI, verify.ErrInvalid):
			t.Errorf("%s: %v does not match ErrInvalid", extra, errI)
		case errI == nil && (tok.Subject != "alice" || app.Tenant != "t-1"):
			t.Errorf("%s: token %+v, app %+v", extra, tok, app)
		}
	}
}

// A claims type that cannot share the pass (a map, a field named like a
// registered claim, an unknown-members field) gets the same answer in two.
func TestVerifyIntoOtherTypes(t *testing.T) {
	op, v := setup(t, verify.Config{})
	raw := appToken(op, "")
	if _, m, err := verify.VerifyInto[map[string]any](t.Context(), v, raw); err != nil || (*m)["tid"] != "t-1" || (*m)["sub"] != "alice" {
		t.Errorf("map: %v %v", m, err)
	}
	type withSub struct {
		Sub   string `json:"sub"`
		Email string `json:"email"`
	}
	if _, w, err := verify.VerifyInto[withSub](t.Context(), v, raw); err != nil || w.Sub != "alice" || w.Email != "alice@example.test" {
		t.Errorf("withSub: %+v %v", w, err)
	}
	type withExp struct {
		Exp    int64  `json:"exp"`
		Tenant string `json:"tid"`
	}
	if _, e, err := verify.VerifyInto[withExp](t.Context(), v, raw); err != nil || e.Exp == 0 || e.Tenant != "t-1" {
		t.Errorf("withExp: %+v %v", e, err)
	}
	type embedded struct {
		appClaims
		Name string `json:"name"`
	}
	if _, e, err := verify.VerifyInto[embedded](t.Context(), v, raw); err != nil || e.Tenant != "t-1" {
		t.Errorf("embedded: %+v %v", e, err)
	}
	if _, _, err := verify.VerifyInto[appClaims](t.Context(), v, appToken(op, `"EXP":4102444800`)); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("case variant through VerifyInto: %v", err)
	}
	// An expired token is refused before its claims are handed out.
	c := baseClaims(op)
	c["exp"] = time.Now().Add(-time.Hour).Unix()
	if _, app, err := verify.VerifyInto[appClaims](t.Context(), v, op.Sign(oidctest.Token{Claims: c})); !errors.Is(err, verify.ErrExpired) || app != nil {
		t.Errorf("expired: %v %v", app, err)
	}
}

// Claims of the wrong type for the application's struct refuse the token.
func TestVerifyIntoAppTypeMismatch(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["roles"] = map[string]any{"admin": true}
	_, _, err := verify.VerifyInto[appClaims](t.Context(), v, op.Sign(oidctest.Token{Claims: c}))
	if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "application's claims type") {
		t.Fatalf("%v", err)
	}
}
