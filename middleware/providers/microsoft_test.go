package providers

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Each tenant choice trusts the issuer Microsoft documents for it.
func TestMicrosoftTenants(t *testing.T) {
	const contoso = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	for tenant, want := range map[string]string{
		contoso:         "https://login.microsoftonline.com/" + contoso + "/v2.0",
		"consumers":     "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
		"organizations": "https://login.microsoftonline.com/organizations/v2.0",
		"common":        "https://login.microsoftonline.com/common/v2.0",
	} {
		p := Microsoft(Client{}, tenant, contoso).Provider
		if p.Issuer != want {
			t.Errorf("%s: issuer %q, want %q", tenant, p.Issuer, want)
		}
		multi := tenant == "organizations" || tenant == "common"
		if multi != (p.IssuerTemplate != nil) || multi && (p.IssuerTemplate.Template != "https://login.microsoftonline.com/{tenantid}/v2.0" || p.IssuerTemplate.Allowed[0] != contoso) {
			t.Errorf("%s: template %+v", tenant, p.IssuerTemplate)
		}
	}
	if s := Microsoft(Client{}, contoso).Config.Scopes; len(s) != 4 || s[3] != "offline_access" {
		t.Errorf("scopes %v", s)
	}
}

// Multi-tenant sign-in against the test provider shaped like Entra's
// organizations endpoint: a user of an allowed tenant signs in, one of
// another tenant or whose iss and tid disagree does not.
func TestMicrosoftMultiTenant(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	const contoso, fabrikam = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0d8f3a2c-5b1e-4c6a-9f2d-7e1b3c4d5a6f"
	op.SetUser("alice", map[string]any{"tid": contoso})
	op.SetUser("mallory", map[string]any{"tid": fabrikam})
	r := newRP(t, op, microsoft(client(op), op.URL, &verify.IssuerTemplate{Template: op.IssuerTemplate(), Allowed: []string{contoso}}))
	if _, status, claims := r.login("alice"); status != 200 || claims["iss"] != op.TenantIssuer(contoso) {
		t.Fatalf("alice of an allowed tenant: %d %v (%v)", status, claims, r.lastErr())
	}
	t.Run("AttackOtherTenant", func(t *testing.T) {
		if _, status, _ := r.login("mallory"); status == 200 {
			t.Error("a user of a tenant outside the allowlist signed in")
		}
	})
	t.Run("AttackIssTidMismatch", func(t *testing.T) {
		op.Set(func(b *oidctest.Behavior) {
			b.IDTokenClaims = map[string]any{"iss": op.TenantIssuer(contoso), "tid": fabrikam}
		})
		if _, status, _ := r.login("mallory"); status == 200 {
			t.Error("iss of one tenant with tid of another signed in")
		}
	})
}
