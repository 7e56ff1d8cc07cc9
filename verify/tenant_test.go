package verify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Two Entra-style tenants.
const (
	tenantA = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tenantB = "0d8f3a2c-5b1e-4c6a-9f2d-7e1b3c4d5a6f"
)

// multiTenant starts a multi-tenant oidctest and returns a verifier for
// audience "api" and client "app" trusting it through an IssuerTemplate.
func multiTenant(t *testing.T, tmpl verify.IssuerTemplate) (*oidctest.Server, *verify.Verifier) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	tmpl.Template = op.IssuerTemplate()
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, IssuerTemplate: &tmpl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}, ClientID: "app"}, p)
	if err != nil {
		t.Fatal(err)
	}
	return op, v
}

// tenantClaims are a valid access token's claims from tenant.
func tenantClaims(op *oidctest.Server, tenant string) map[string]any {
	now := time.Now()
	return map[string]any{"iss": op.TenantIssuer(tenant), "tid": tenant, "sub": "alice", "aud": "api",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
}

func TestMultiTenantTokensFromEachTenantPass(t *testing.T) {
	op, v := multiTenant(t, verify.IssuerTemplate{})
	for _, tenant := range []string{tenantA, tenantB, strings.ToUpper(tenantA)} {
		tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: tenantClaims(op, tenant)}))
		if err != nil {
			t.Fatalf("tenant %s: %v", tenant, err)
		}
		if tok.Issuer != op.TenantIssuer(tenant) {
			t.Errorf("Issuer %q, want the tenant's own %q", tok.Issuer, op.TenantIssuer(tenant))
		}
	}
	// ID tokens too: the provider's advertised ID token algorithms apply.
	c := tenantClaims(op, tenantB)
	c["aud"], c["nonce"] = "app", "n-1"
	if _, err := v.VerifyIDToken(t.Context(), op.Sign(oidctest.Token{Alg: "ES256", Claims: c}), "n-1"); err != nil {
		t.Errorf("ID token: %v", err)
	}
}

// tenantAttack verifies claims changed by mod and wants ErrInvalid with msg.
func tenantAttack(t *testing.T, v *verify.Verifier, op *oidctest.Server, msg string, mod func(map[string]any)) {
	t.Helper()
	c := tenantClaims(op, tenantA)
	mod(c)
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
	if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(fmtErr(err), msg) {
		t.Errorf("got %v, %v; want ErrInvalid containing %q", tok, err, msg)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestAttackTenantIssAndTidDisagree(t *testing.T) {
	op, v := multiTenant(t, verify.IssuerTemplate{})
	// A token of tenant B claiming tenant A's issuer, and the reverse.
	tenantAttack(t, v, op, "iss is not the issuer of the token's tenant", func(c map[string]any) { c["tid"] = tenantB })
	tenantAttack(t, v, op, "iss is not the issuer of the token's tenant", func(c map[string]any) { c["iss"] = op.TenantIssuer(tenantB) })
}

func TestAttackTenantOutsideAllowlist(t *testing.T) {
	op, v := multiTenant(t, verify.IssuerTemplate{Allowed: []string{tenantB}})
	tenantAttack(t, v, op, "not an allowed tenant", func(map[string]any) {})
	c := tenantClaims(op, tenantB)
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); err != nil {
		t.Errorf("allowed tenant: %v", err)
	}
}

func TestAttackTenantNotAGUID(t *testing.T) {
	op, v := multiTenant(t, verify.IssuerTemplate{})
	for _, tid := range []string{"../x", "common", "organizations", "{tenantid}", tenantA + "/x", tenantA[:35] + "g"} {
		tenantAttack(t, v, op, "not a valid tenant ID", func(c map[string]any) {
			c["tid"], c["iss"] = tid, op.TenantIssuer(tid)
		})
	}
	// No tid at all, and a tid that is not a string.
	tenantAttack(t, v, op, "not a valid tenant ID", func(c map[string]any) { delete(c, "tid") })
	tenantAttack(t, v, op, "claim", func(c map[string]any) { c["tid"] = 7 })
	// An empty tenant, and the template itself as iss.
	tenantAttack(t, v, op, "iss is not a trusted issuer", func(c map[string]any) { c["tid"], c["iss"] = "", op.TenantIssuer("") })
	tenantAttack(t, v, op, "iss is not the issuer of the token's tenant", func(c map[string]any) { c["iss"] = op.IssuerTemplate() })
}

func TestAttackTenantTokenSignedWithForeignKey(t *testing.T) {
	op, v := multiTenant(t, verify.IssuerTemplate{})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	// Keys come from the templated provider's own JWKS only.
	tok := op.Sign(oidctest.Token{Alg: "ES256", Key: key, Claims: tenantClaims(op, tenantA)})
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("foreign key: %v", err)
	}
}

func TestAttackTemplatedDiscoveryWithoutOptIn(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	for _, iss := range []string{op.URL, op.IssuerTemplate(), op.TenantIssuer(tenantA)} {
		if _, err := verify.Discover(t.Context(), iss, nil); !errors.Is(err, verify.ErrMetadata) {
			t.Errorf("Discover(%s) = %v, want ErrMetadata", iss, err)
		}
	}
	// Opting in to another template than the one published fails too.
	other := verify.IssuerTemplate{Template: op.URL + "/{tenantid}/v1.0"}
	if _, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, IssuerTemplate: &other}); !errors.Is(err, verify.ErrMetadata) {
		t.Errorf("other template: %v", err)
	}
	// And a template on a provider whose issuer is not templated.
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = false })
	tmpl := verify.IssuerTemplate{Template: op.IssuerTemplate()}
	if _, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, IssuerTemplate: &tmpl}); !errors.Is(err, verify.ErrMetadata) {
		t.Errorf("template on a single-tenant provider: %v", err)
	}
}

func TestIssuerTemplateRefusedConfigurations(t *testing.T) {
	for name, tmpl := range map[string]verify.IssuerTemplate{
		"no placeholder":      {Template: "https://op.example/v2.0"},
		"placeholder twice":   {Template: "https://op.example/{tenantid}/{tenantid}"},
		"http":                {Template: "http://op.example/{tenantid}"},
		"empty allowed entry": {Template: "https://op.example/{tenantid}", Allowed: []string{""}},
	} {
		md := &verify.Metadata{Issuer: tmpl.Template}
		_, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: "https://op.example/common", Metadata: md, IssuerTemplate: &tmpl})
		if !errors.Is(err, verify.ErrMetadata) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The mechanism is not Entra's alone: another placeholder, claim and
// tenant ID form.
func TestIssuerTemplateOtherClaimAndPlaceholder(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	tmpl := verify.IssuerTemplate{
		Template: op.URL + "/orgs/{org}", Placeholder: "{org}", Claim: "org_id",
		Valid: func(s string) bool { return len(s) == 4 && strings.Trim(s, "0123456789") == "" },
	}
	md := &verify.Metadata{JWKSURI: op.URL + "/jwks"}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, Metadata: md, IssuerTemplate: &tmpl})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Issuer() != tmpl.Template {
		t.Errorf("Issuer() = %q", p.Issuer())
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(iss, org string) map[string]any {
		return map[string]any{"iss": iss, "org_id": org, "tid": tenantA, "sub": "s", "aud": "api", "exp": time.Now().Add(time.Hour).Unix()}
	}
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: claims(op.URL+"/orgs/1234", "1234")})); err != nil {
		t.Errorf("right org: %v", err)
	}
	for _, c := range []map[string]any{claims(op.URL+"/orgs/1234", "4321"), claims(op.URL+"/orgs/12a4", "12a4")} {
		if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("%v: %v", c, err)
		}
	}
}

func TestProviderAccepts(t *testing.T) {
	op, _ := multiTenant(t, verify.IssuerTemplate{})
	tmpl := verify.IssuerTemplate{Template: op.IssuerTemplate(), Allowed: []string{tenantA}}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, IssuerTemplate: &tmpl})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for iss, want := range map[string]bool{
		op.TenantIssuer(tenantA): true, op.TenantIssuer(tenantB): false, op.IssuerTemplate(): false,
		op.TenantIssuer("common"): false, op.URL: false, op.TenantIssuer(tenantA) + "/": false,
	} {
		if got := p.Accepts(iss); got != want {
			t.Errorf("Accepts(%q) = %v", iss, got)
		}
	}
	op2 := oidctest.NewServer()
	defer op2.Close()
	single, err := verify.Discover(t.Context(), op2.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	if !single.Accepts(single.Issuer()) || single.Accepts(single.Issuer()+"/x") {
		t.Error("single-tenant Accepts")
	}
}
