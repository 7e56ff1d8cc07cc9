package oidctest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestMultiTenant(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	const other = "0d8f3a2c-5b1e-4c6a-9f2d-7e1b3c4d5a6f"
	if s.TenantIssuer(other) != s.URL+"/"+other+"/v2.0" || s.IssuerTemplate() != s.URL+"/{tenantid}/v2.0" {
		t.Errorf("TenantIssuer %q, IssuerTemplate %q", s.TenantIssuer(other), s.IssuerTemplate())
	}
	_, doc := get(t, http.DefaultClient, s.URL+"/.well-known/openid-configuration")
	if !strings.Contains(doc, `"issuer":"`+s.IssuerTemplate()+`"`) {
		t.Errorf("discovery: %s", doc)
	}
	// alice has no tenant of her own: DefaultTenant.
	tok := signIn(t, s)
	for _, name := range []string{"id_token", "access_token"} {
		c := verified(t, s, tok[name])
		if c["tid"] != oidctest.DefaultTenant || c["iss"] != s.TenantIssuer(oidctest.DefaultTenant) {
			t.Errorf("%s: tid %v iss %v", name, c["tid"], c["iss"])
		}
	}
	// Another tenant's user, and the refresh keeps the tenant.
	s.SetUser("alice", map[string]any{"tid": other})
	tok = signIn(t, s)
	if c := verified(t, s, tok["id_token"]); c["tid"] != other || c["iss"] != s.TenantIssuer(other) {
		t.Errorf("tenant user: tid %v iss %v", c["tid"], c["iss"])
	}
	status, ref := tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	if c := verified(t, s, ref["id_token"]); status != http.StatusOK || c["tid"] != other || c["iss"] != s.TenantIssuer(other) {
		t.Errorf("refresh %d: tid %v iss %v", status, c["tid"], c["iss"])
	}
}
