package verify_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackTokenOverMaxTokenSize: a token one byte over MaxTokenSize is
// refused before any parsing, and one of exactly MaxTokenSize bytes is
// verified; by default the bound is 16 KiB.
func TestAttackTokenOverMaxTokenSize(t *testing.T) {
	op, p, _ := keyRulesSetup(t, nil)
	raw := op.Sign(oidctest.Token{Claims: baseClaims(op)})
	exact := newVerifier(t, verify.Config{MaxTokenSize: len(raw)}, p)
	if _, err := exact.Verify(t.Context(), raw); err != nil {
		t.Fatalf("a token of exactly MaxTokenSize bytes: %v", err)
	}
	under := newVerifier(t, verify.Config{MaxTokenSize: len(raw) - 1}, p)
	tok, err := under.Verify(t.Context(), raw)
	mustRefuse(t, tok, err, "larger than")

	def := newVerifier(t, verify.Config{}, p)
	tok, err = def.Verify(t.Context(), strings.Repeat("a", 16<<10+1))
	mustRefuse(t, tok, err, "larger than")
	// 16 KiB exactly is parsed (and refused for what it is).
	if _, err := def.Verify(t.Context(), strings.Repeat("a", 16<<10)); err == nil || strings.Contains(err.Error(), "larger than") {
		t.Fatalf("16 KiB: %v, want a refusal that is not the size's", err)
	}
}
