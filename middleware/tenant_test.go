package middleware_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Entra-style tenant IDs.
const (
	tenantA = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tenantB = "0d8f3a2c-5b1e-4c6a-9f2d-7e1b3c4d5a6f"
)

// newTenantApp is an app logging in with a multi-tenant oidctest through a
// Provider with an IssuerTemplate; alice is in tenant A, bob in tenant B.
func newTenantApp(t *testing.T, allowed ...string) *app {
	t.Helper()
	return newTenantAppWith(t, nil, allowed...)
}

// newTenantAppWith is newTenantApp with opts applied to its Config.
func newTenantAppWith(t *testing.T, opts []appOpt, allowed ...string) *app {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.SetUser("alice", map[string]any{"tid": tenantA})
	op.SetUser("bob", map[string]any{"tid": tenantB})
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	tmpl := verify.IssuerTemplate{Template: op.IssuerTemplate(), Allowed: allowed}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, IssuerTemplate: &tmpl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	// newApp discovers the provider itself, single-tenant: it runs while
	// the switch is off, then the app is given the multi-tenant Provider.
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = false })
	a := newApp(t, op, append([]appOpt{func(c *login.Config) { c.Provider = p }}, opts...)...)
	op.Set(func(b *oidctest.Behavior) { b.MultiTenant = true })
	return a
}

func TestMultiTenantLogin(t *testing.T) {
	a := newTenantApp(t)
	for user, tenant := range map[string]string{"alice": tenantA, "bob": tenantB} {
		b := newBrowser(t)
		if resp := b.login(a, user); resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: callback %d (%v)", user, resp.StatusCode, a.lastErr())
		}
		code, claims := b.me(a)
		if code != 200 || claims["tid"] != tenant || claims["sub"] != user {
			t.Errorf("%s: /me %d %v", user, code, claims)
		}
		if s := sessionOf(t, a, b); s.Issuer != a.op.TenantIssuer(tenant) {
			t.Errorf("%s: session Issuer %q, want the tenant's %q", user, s.Issuer, a.op.TenantIssuer(tenant))
		}
	}
}

// loginRefused logs user in and wants the ID token refused (502).
func loginRefused(t *testing.T, a *app, user string) {
	t.Helper()
	b := newBrowser(t)
	resp := b.login(a, user)
	var ae *login.AuthError
	if err := a.lastErr(); resp.StatusCode != http.StatusBadGateway || !errors.As(err, &ae) || ae.Code != "invalid_id_token" || !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("%s: callback %d (%v), want 502 invalid_id_token", user, resp.StatusCode, err)
	}
	if code, _ := b.me(a); code != 401 {
		t.Errorf("%s: a session exists after a refused login: %d", user, code)
	}
}

func TestAttackMultiTenantLoginOutsideAllowlist(t *testing.T) {
	a := newTenantApp(t, tenantA)
	loginRefused(t, a, "bob")
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != http.StatusFound {
		t.Errorf("allowed tenant: %d (%v)", resp.StatusCode, a.lastErr())
	}
}

func TestAttackMultiTenantLoginIssAndTidDisagree(t *testing.T) {
	a := newTenantApp(t)
	a.op.Set(func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"tid": tenantB} })
	loginRefused(t, a, "alice")
	a.op.Set(func(b *oidctest.Behavior) {
		b.IDTokenClaims = map[string]any{"tid": "common", "iss": a.op.TenantIssuer("common")}
	})
	loginRefused(t, a, "alice")
}

// A refresh keeps the session's tenant: an ID token of another tenant,
// valid on its own, ends the session.
func TestAttackRefreshMovesSessionToAnotherTenant(t *testing.T) {
	a := newTenantApp(t)
	a.op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	b := newBrowser(t)
	b.login(a, "alice")
	a.clock.advance(20 * time.Second) // the 30 s access token is due for refresh
	if code, _ := b.me(a); code != 200 || a.op.Count("token:refresh_token") != 1 {
		t.Fatalf("same-tenant refresh: /me %d, %d refreshes", code, a.op.Count("token:refresh_token"))
	}
	if s := sessionOf(t, a, b); s.Issuer != a.op.TenantIssuer(tenantA) {
		t.Errorf("after a refresh: session Issuer %q", s.Issuer)
	}
	a.op.Set(func(bh *oidctest.Behavior) {
		bh.IDTokenClaims = map[string]any{"tid": tenantB, "iss": a.op.TenantIssuer(tenantB)}
	})
	a.clock.advance(20 * time.Second)
	if code, _ := b.me(a); code != 401 {
		t.Errorf("refresh into tenant B: /me %d, want the session ended", code)
	}
}

// RFC 9207's iss names a tenant's issuer at a multi-tenant provider.
func TestMultiTenantIssParameter(t *testing.T) {
	a := newTenantApp(t, tenantA)
	a.op.Set(func(b *oidctest.Behavior) { b.IssParameterValue = a.op.TenantIssuer(tenantA) })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != http.StatusFound {
		t.Errorf("iss of an allowed tenant: %d (%v)", resp.StatusCode, a.lastErr())
	}
	for _, iss := range []string{a.op.TenantIssuer(tenantB), a.op.IssuerTemplate(), a.op.URL} {
		a.op.Set(func(b *oidctest.Behavior) { b.IssParameterValue = iss })
		if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != http.StatusBadRequest || !errors.Is(a.lastErr(), login.ErrLoginRequest) {
			t.Errorf("iss %s: %d", iss, resp.StatusCode)
		}
	}
}
