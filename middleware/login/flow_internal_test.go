package login

import (
	"testing"

	"golang.org/x/oauth2"
)

// A flow's nonce and PKCE verifier are 256 random bits each, base64url
// (43 characters; a verifier has 43 to 128), new for every flow.
func TestFlowValues(t *testing.T) {
	f, g := newFlow("/x", "op"), newFlow("/x", "op")
	if len(f.Nonce) < 43 || len(f.Verifier) < 43 || len(f.Verifier) > 128 || f.Nonce == f.Verifier ||
		f.Nonce == g.Nonce || f.Verifier == g.Verifier || f.ReturnTo != "/x" || f.Provider != "op" {
		t.Errorf("flows %+v, %+v", f, g)
	}
	// The challenge a flow's verifier is sent with is x/oauth2's, which
	// must match RFC 7636.
	if got := oauth2.S256ChallengeFromVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("RFC 7636 appendix B vector: %s", got)
	}
}
