package verify_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackTimeClaims: exp is required and ends the token's life, nbf and
// iat in the future are refused, each to the second with the leeway: a
// token is accepted at exactly the leeway's edge and refused a second past
// it.
func TestAttackTimeClaims(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	const leeway = 5 * time.Second
	op, v := setup(t, verify.Config{Leeway: leeway, Now: func() time.Time { return now }})
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	rows := []struct {
		name  string
		claim string
		value any // nil: the claim is removed
		want  string
	}{
		{"no exp", "exp", nil, "exp claim is missing"},
		{"exp a second past the leeway", "exp", at(-leeway - time.Second), "expired"},
		{"exp at the leeway's edge", "exp", at(-leeway), "expired"},
		{"exp within the leeway", "exp", at(-leeway + time.Second), ""},
		{"nbf a second past the leeway", "nbf", at(leeway + time.Second), "nbf"},
		{"nbf at the leeway's edge", "nbf", at(leeway), ""},
		{"iat a second past the leeway", "iat", at(leeway + time.Second), "iat"},
		{"iat at the leeway's edge", "iat", at(leeway), ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			c := baseClaims(op)
			if r.value == nil {
				delete(c, r.claim)
			} else {
				c[r.claim] = r.value
			}
			tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
			if r.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			mustRefuse(t, tok, err, r.want)
		})
	}
}

// TestAttackProviderWithoutKeys: a provider configured without a JWKS (a
// plain OAuth 2.0 one) has no key to check a signature with: its tokens are
// refused, never read unchecked.
func TestAttackProviderWithoutKeys(t *testing.T) {
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.Issuer(), Metadata: &verify.Metadata{TokenEndpoint: op.URL + "/token"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v := newVerifier(t, verify.Config{}, p)
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: baseClaims(op)}))
	mustRefuse(t, tok, err, "no key")
}
