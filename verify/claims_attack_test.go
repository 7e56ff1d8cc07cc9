package verify_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// These attack tests guard claims that a mutation run found unguarded: each
// fails when the check it names is removed.

// TestAttackB64FalseHeader: a token whose header says its payload is not
// base64url-encoded (RFC 7797 "b64": false), without the "crit" RFC 7797
// requires beside it, is refused, even though its signature is valid over
// the usual encoded payload: a verifier that ignored b64 would read claims
// its signer never meant as the payload. Any value of b64 is refused.
func TestAttackB64FalseHeader(t *testing.T) {
	op, v := setup(t, verify.Config{})
	for _, b64 := range []any{false, true, "false"} {
		raw := op.Sign(oidctest.Token{Header: map[string]any{"b64": b64}, Claims: baseClaims(op)})
		tok, err := v.Verify(t.Context(), raw)
		mustRefuse(t, tok, err, "b64")
	}
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: baseClaims(op)})); err != nil {
		t.Fatalf("the same token without b64 is refused: %v", err)
	}
}

// TestAttackRefreshedIDTokenForAnotherSubject: an ID token returned by a
// refresh must name the subject of the session it refreshes (OpenID Connect
// Core §12.2); a provider (or a token substituted on the way) that answers
// with another user's ID token does not switch the session to that user.
func TestAttackRefreshedIDTokenForAnotherSubject(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["aud"] = "app"
	c["sub"] = "mallory"
	tok, err := v.VerifyRefreshedIDToken(t.Context(), op.Sign(oidctest.Token{Claims: c}), "alice")
	mustRefuse(t, tok, err, "another subject")
	if _, err := v.VerifyRefreshedIDToken(t.Context(), op.Sign(oidctest.Token{Claims: c}), "mallory"); err != nil {
		t.Fatalf("the same subject is refused: %v", err)
	}
}
