package verify_test

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackAudNotAStringList: aud must be a string or an array of strings:
// null, a number or an object is refused as such (never read as absent or
// as the members that follow it); scp may be null (absent). A claims object
// must start the payload: whitespace before it is refused too.
func TestAttackAudNotAStringList(t *testing.T) {
	op, v := setup(t, verify.Config{})
	noAud := baseClaims(op)
	delete(noAud, "aud")
	rows := map[string]oidctest.Token{
		"aud null":   {Claims: noAud, ExtraClaims: `"aud":null`},
		"aud number": {Claims: noAud, ExtraClaims: `"aud":5,"x":"api"`},
		"aud object": {Claims: noAud, ExtraClaims: `"aud":{"api":"api"}`},
	}
	for name, tk := range rows {
		t.Run(name, func(t *testing.T) {
			tok, err := v.Verify(t.Context(), op.Sign(tk))
			mustRefuse(t, tok, err, "must be a string or an array of strings")
		})
	}
	base, _ := json.Marshal(baseClaims(op))
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{RawClaims: " " + string(base)}))
	mustRefuse(t, tok, err, "not a JSON claims object")
	if tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: baseClaims(op), ExtraClaims: `"scp":null`})); err != nil || len(tok.Scopes) != 0 {
		t.Fatalf("scp null: %v", err)
	}
}
