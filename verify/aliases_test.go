package verify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// IssuerAliases: a token whose iss is a documented alias of the provider's
// issuer (Google's "accounts.google.com") passes, exactly; other spellings
// fail, and a provider without the alias refuses it.
func TestIssuerAliases(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	ctx := context.Background()
	const alias = "op.example" // as "accounts.google.com" is to "https://accounts.google.com"
	withAlias, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: op.URL, IssuerAliases: []string{alias}})
	if err != nil {
		t.Fatal(err)
	}
	defer withAlias.Close()
	plain, err := verify.Discover(ctx, op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	token := func(iss string) string {
		return op.Sign(oidctest.Token{Claims: map[string]any{"iss": iss, "sub": "alice", "aud": "api",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}})
	}
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, withAlias)
	for iss, ok := range map[string]bool{op.URL: true, alias: true, "OP.example": false, "https://" + alias: false, alias + "/": false} {
		if _, err := v.Verify(ctx, token(iss)); (err == nil) != ok {
			t.Errorf("iss %q: %v, want accepted %v", iss, err, ok)
		}
	}
	if !withAlias.Accepts(alias) || plain.Accepts(alias) {
		t.Error("Accepts: the alias is the aliased provider's only")
	}
	pv, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, plain)
	if _, err := pv.Verify(ctx, token(alias)); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("alias at a provider without it: %v", err)
	}
	for _, bad := range [][]string{{""}, {op.URL}} {
		if _, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: op.URL, IssuerAliases: bad}); err == nil {
			t.Errorf("alias %q accepted", bad)
		}
	}
}
