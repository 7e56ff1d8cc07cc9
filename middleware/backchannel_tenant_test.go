package middleware_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Back-channel logout at a multi-tenant provider (verify.IssuerTemplate):
// a logout token's iss is its tenant's issuer, built from its tid and
// compared exactly, as an ID token's; it ends only sessions whose Issuer is
// that tenant's.

// tenantBackchannelApp is newTenantApp with the back-channel endpoint, its
// sessions in Redis when redis is set, else in cookies.
func tenantBackchannelApp(t *testing.T, redis bool, allowed ...string) *app {
	t.Helper()
	var opts []appOpt
	var sessions func(*app)
	if redis {
		m, _, _ := redisSessions(t, redistest.Start(t, "--appendonly", "no").Addr)
		opts = append(opts, func(c *login.Config) { c.Sessions = m })
		sessions = func(a *app) { a.sessions = m }
	}
	a := newTenantAppWith(t, opts, allowed...)
	if sessions != nil {
		sessions(a)
	}
	return withBackchannel(a)
}

// loginInTenant signs user in through a new browser with ID tokens of
// tenant (iss and tid), whatever tenant the provider keeps for user.
func loginInTenant(t *testing.T, a *app, user, tenant string) *browser {
	t.Helper()
	a.op.Set(func(b *oidctest.Behavior) {
		b.IDTokenClaims = map[string]any{"tid": tenant, "iss": a.op.TenantIssuer(tenant)}
	})
	defer a.op.Set(func(b *oidctest.Behavior) { b.IDTokenClaims = nil })
	b := newBrowser(t)
	if resp := b.login(a, user); resp.StatusCode != http.StatusFound {
		t.Fatalf("%s in tenant %s: callback %d (%v)", user, tenant, resp.StatusCode, a.lastErr())
	}
	if s := sessionOf(t, a, b); s.Issuer != a.op.TenantIssuer(tenant) || s.SID == "" {
		t.Fatalf("%s in tenant %s: session Issuer %q, SID %q", user, tenant, s.Issuer, s.SID)
	}
	return b
}

// tenantLogoutToken is a logout token of tenant (its issuer and tid), as
// the provider signs it, changed by mod.
func tenantLogoutToken(a *app, tenant string, mod func(map[string]any)) string {
	return a.op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"},
		Claims: logoutClaims(a.op, func(c map[string]any) {
			c["iss"], c["tid"] = a.op.TenantIssuer(tenant), tenant
			if mod != nil {
				mod(c)
			}
		})})
}

// bySID makes a logout token name the provider session sid, not a user.
func bySID(sid string) func(map[string]any) {
	return func(c map[string]any) { delete(c, "sub"); c["sid"] = sid }
}

// wantSignedIn checks each browser's /me status.
func wantSignedIn(t *testing.T, a *app, what string, want map[string]*browser, signedIn bool) {
	t.Helper()
	code := http.StatusUnauthorized
	if signedIn {
		code = http.StatusOK
	}
	for name, b := range want {
		if got, _ := b.me(a); got != code {
			t.Errorf("%s: %s's /me %d, want %d", what, name, got, code)
		}
	}
}

// A logout token of tenant A ends tenant A's sessions, by sid that one, by
// sub every session of that user in tenant A, and no session of the same
// sub in tenant B; with sessions in Redis and in cookies.
func TestMultiTenantBackChannelLogout(t *testing.T) {
	for _, redis := range []bool{true, false} {
		t.Run(map[bool]string{true: "redis", false: "cookies"}[redis], func(t *testing.T) {
			a := tenantBackchannelApp(t, redis)
			aliceA1, aliceA2 := loginInTenant(t, a, "alice", tenantA), loginInTenant(t, a, "alice", tenantA)
			aliceB, bob := loginInTenant(t, a, "alice", tenantB), loginInTenant(t, a, "bob", tenantB)

			if code, body := postLogout(t, a, tenantLogoutToken(a, tenantA, bySID(sessionOf(t, a, aliceA1).SID))); code != 200 {
				t.Fatalf("tenant A's logout by sid: %d %s", code, body)
			}
			wantSignedIn(t, a, "after tenant A's logout by sid", map[string]*browser{"alice (A, that sid)": aliceA1}, false)
			wantSignedIn(t, a, "after tenant A's logout by sid", map[string]*browser{"alice (A, other sid)": aliceA2, "alice (B)": aliceB, "bob (B)": bob}, true)

			if code, body := postLogout(t, a, tenantLogoutToken(a, tenantA, nil)); code != 200 { // sub alice
				t.Fatalf("tenant A's logout by sub: %d %s", code, body)
			}
			wantSignedIn(t, a, "after tenant A's logout by sub", map[string]*browser{"alice (A)": aliceA2}, false)
			wantSignedIn(t, a, "after tenant A's logout by sub", map[string]*browser{"alice (B)": aliceB, "bob (B)": bob}, true)

			if code, body := postLogout(t, a, tenantLogoutToken(a, tenantB, nil)); code != 200 {
				t.Fatalf("tenant B's logout by sub: %d %s", code, body)
			}
			wantSignedIn(t, a, "after tenant B's logout of alice", map[string]*browser{"alice (B)": aliceB}, false)
			wantSignedIn(t, a, "after tenant B's logout of alice", map[string]*browser{"bob (B)": bob}, true)
		})
	}
}

// Anyone can create a tenant at a multi-tenant provider, and the provider
// signs that tenant's logout tokens with the keys every tenant shares: a
// valid logout token of tenant B naming the sid and sub of a session of
// tenant A ends nothing in tenant A (sessions are found by their own
// tenant's issuer).
func TestAttackLogoutTokenFromAnotherTenant(t *testing.T) {
	for _, redis := range []bool{true, false} {
		t.Run(map[bool]string{true: "redis", false: "cookies"}[redis], func(t *testing.T) {
			a := tenantBackchannelApp(t, redis)
			victim := loginInTenant(t, a, "alice", tenantA)
			sid := sessionOf(t, a, victim).SID
			for what, mod := range map[string]func(map[string]any){
				"the victim's sid":           bySID(sid),
				"the victim's sub":           nil,
				"the victim's sid and sub":   func(c map[string]any) { c["sid"] = sid },
				"the victim's sub, jti of A": func(c map[string]any) { c["jti"] = "shared-jti" },
			} {
				if code, body := postLogout(t, a, tenantLogoutToken(a, tenantB, mod)); code != 200 {
					t.Errorf("tenant B's valid logout token naming %s: %d %s, want 200 (it ends B's sessions only)", what, code, body)
				}
				wantSignedIn(t, a, "tenant B's logout token naming "+what, map[string]*browser{"alice (A)": victim}, true)
			}
			// A's own token with the jti B used still works: jti are per issuer.
			if code, body := postLogout(t, a, tenantLogoutToken(a, tenantA, func(c map[string]any) { c["jti"] = "shared-jti" })); code != 200 {
				t.Fatalf("tenant A's own logout token: %d %s", code, body)
			}
			wantSignedIn(t, a, "after tenant A's own logout token", map[string]*browser{"alice (A)": victim}, false)
		})
	}
}

// A logout token whose iss is not the issuer its tid builds, exactly, is
// refused (400) and ends nothing.
func TestAttackLogoutTokenIssAndTidDisagree(t *testing.T) {
	a := tenantBackchannelApp(t, true)
	victim := loginInTenant(t, a, "alice", tenantA)
	sid := sessionOf(t, a, victim).SID
	rows := map[string]func(map[string]any){
		"iss of tenant A, tid of tenant B": func(c map[string]any) { c["tid"] = tenantB },
		"iss of tenant B, tid of tenant A": func(c map[string]any) { c["iss"] = a.op.TenantIssuer(tenantB) },
		"iss of tenant A, no tid":          func(c map[string]any) { delete(c, "tid") },
		"tid common":                       func(c map[string]any) { c["tid"], c["iss"] = "common", a.op.TenantIssuer("common") },
		"tid a path":                       func(c map[string]any) { c["tid"], c["iss"] = "../x", a.op.TenantIssuer("../x") },
		"tid in upper case":                func(c map[string]any) { c["tid"] = strings.ToUpper(tenantA) },
		"iss the template itself":          func(c map[string]any) { c["iss"] = a.op.IssuerTemplate() },
		"iss the discovery URL":            func(c map[string]any) { c["iss"] = a.op.URL },
		"iss with a trailing slash":        func(c map[string]any) { c["iss"] = a.op.TenantIssuer(tenantA) + "/" },
	}
	for name, mod := range rows {
		t.Run(name, func(t *testing.T) {
			for _, who := range []func(map[string]any){nil, bySID(sid)} {
				tok := tenantLogoutToken(a, tenantA, func(c map[string]any) {
					if who != nil {
						who(c)
					}
					mod(c)
				})
				if code, body := postLogout(t, a, tok); code != 400 || !strings.Contains(body, "invalid_request") {
					t.Errorf("%d %s, want 400 invalid_request", code, body)
				}
			}
			wantSignedIn(t, a, name, map[string]*browser{"alice (A)": victim}, true)
		})
	}
	if code, body := postLogout(t, a, tenantLogoutToken(a, tenantA, bySID(sid))); code != 200 {
		t.Fatalf("the same token with iss and tid agreeing: %d %s", code, body)
	}
	wantSignedIn(t, a, "after a valid logout token", map[string]*browser{"alice (A)": victim}, false)
}

// With an allowlist, a logout token of a tenant outside it is refused
// (400), whatever session it names.
func TestAttackLogoutTokenTenantOutsideAllowlist(t *testing.T) {
	a := tenantBackchannelApp(t, true, tenantA)
	victim := loginInTenant(t, a, "alice", tenantA)
	sid := sessionOf(t, a, victim).SID
	for what, mod := range map[string]func(map[string]any){
		"sub": nil, "sid": bySID(sid), "sid and sub": func(c map[string]any) { c["sid"] = sid },
	} {
		if code, body := postLogout(t, a, tenantLogoutToken(a, tenantB, mod)); code != 400 || !strings.Contains(body, "invalid_request") {
			t.Errorf("tenant B outside the allowlist, by %s: %d %s, want 400", what, code, body)
		}
	}
	wantSignedIn(t, a, "after tenant B's refused tokens", map[string]*browser{"alice (A)": victim}, true)
	if code, body := postLogout(t, a, tenantLogoutToken(a, tenantA, bySID(sid))); code != 200 {
		t.Fatalf("allowed tenant A: %d %s", code, body)
	}
	wantSignedIn(t, a, "after tenant A's logout token", map[string]*browser{"alice (A)": victim}, false)
}
