package verify_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Trust a multi-tenant provider (Entra's organizations endpoint) through
// its issuer template, for the tenants you allow.
func ExampleIssuerTemplate() {
	op := oidctest.NewServer() // stands in for https://login.microsoftonline.com/organizations/v2.0
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	ctx := context.Background()

	const contoso, fabrikam = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0d8f3a2c-5b1e-4c6a-9f2d-7e1b3c4d5a6f"
	provider, err := verify.NewProvider(ctx, verify.ProviderConfig{
		Issuer: op.URL,
		IssuerTemplate: &verify.IssuerTemplate{
			Template: op.URL + "/{tenantid}/v2.0", // "https://login.microsoftonline.com/{tenantid}/v2.0"
			Allowed:  []string{contoso},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{"api://orders"}}, provider)
	if err != nil {
		fmt.Println(err)
		return
	}
	token := func(tenant, iss string) string {
		return op.Sign(oidctest.Token{Claims: map[string]any{"iss": iss, "tid": tenant, "sub": "alice",
			"aud": "api://orders", "exp": time.Now().Add(time.Hour).Unix()}})
	}

	t, err := verifier.Verify(ctx, token(contoso, op.TenantIssuer(contoso)))
	fmt.Println(strings.TrimPrefix(t.Issuer, op.URL), err)
	_, err = verifier.Verify(ctx, token(fabrikam, op.TenantIssuer(fabrikam)))
	fmt.Println(err)
	_, err = verifier.Verify(ctx, token(contoso, op.TenantIssuer(fabrikam))) // tid and iss disagree
	fmt.Println(err)
	// Output:
	// /72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0 <nil>
	// invalid token: the token's tenant is not an allowed tenant
	// invalid token: iss is not the issuer of the token's tenant
}
