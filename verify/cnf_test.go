package verify_test

import (
	"errors"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestTokenConfirmation(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["cnf"] = map[string]any{"jkt": "abc", "x5t#S256": "def"}
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Confirmation != (verify.Confirmation{JKT: "abc", X5TS256: "def"}) || !tok.Confirmation.Bound() {
		t.Fatalf("confirmation %+v", tok.Confirmation)
	}
	delete(c, "cnf")
	tok, err = v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
	if err != nil || tok.Confirmation.Bound() {
		t.Fatalf("bearer token: %+v, %v", tok, err)
	}
}

// TestAttackTokenBoundByUncheckableMethod: a token whose cnf Gatehouse
// cannot check (another confirmation method, a malformed member) is refused
// rather than passed as a bearer token.
func TestAttackTokenBoundByUncheckableMethod(t *testing.T) {
	op, v := setup(t, verify.Config{})
	for name, cnf := range map[string]any{
		"jwk method":   map[string]any{"jwk": map[string]any{"kty": "EC"}},
		"kid method":   map[string]any{"kid": "k1"},
		"jkt and jwk":  map[string]any{"jkt": "abc", "jwk": map[string]any{}},
		"empty object": map[string]any{},
		"empty jkt":    map[string]any{"jkt": ""},
		"number jkt":   map[string]any{"jkt": 5},
		"string cnf":   "abc",
		"case variant": map[string]any{"JKT": "abc"},
	} {
		c := baseClaims(op)
		c["cnf"] = cnf
		if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
