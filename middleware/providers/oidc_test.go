package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Each preset trusts the issuer its provider documents.
func TestIssuers(t *testing.T) {
	c := Client{}
	for _, tc := range []struct {
		p    Preset
		want string
	}{
		{GitLab(c, ""), "https://gitlab.com"},
		{GitLab(c, "https://git.example.com/"), "https://git.example.com"},
		{Okta(c, "dev-1.okta.com", ""), "https://dev-1.okta.com"},
		{Okta(c, "dev-1.okta.com", "default"), "https://dev-1.okta.com/oauth2/default"},
		{Auth0(c, "example.eu.auth0.com", ""), "https://example.eu.auth0.com/"},
		{Keycloak(c, "https://sso.example.com/", "staff"), "https://sso.example.com/realms/staff"},
		{Google(c, ""), "https://accounts.google.com"},
		{GitHub(c), "https://github.com"},
	} {
		if tc.p.Provider.Issuer != tc.want {
			t.Errorf("%s: issuer %q, want %q", tc.p.Name, tc.p.Provider.Issuer, tc.want)
		}
	}
}

// GitLab, as documented: numeric sub, groups only at userinfo.
func TestGitLab(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.SetUser("alice", map[string]any{"sub": "8123"})
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"8123","groups":["infra","infra/db"]}` })
	r := newRP(t, op, gitlab(client(op), op.URL))
	if _, status, claims := r.login("alice"); status != 200 || claims["sub"] != "8123" || len(claims["groups"].([]any)) != 2 {
		t.Fatalf("login: %d %v (%v)", status, claims, r.lastErr())
	}
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"9999","groups":["admins"]}` })
	if _, status, _ := r.login("alice"); status == 200 {
		t.Error("TestAttackGitLabUserinfoOfAnotherUser: a userinfo sub other than the ID token's was accepted")
	}
}

// Okta, as documented: offline_access asked for a refresh token.
func TestOkta(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	r := newRP(t, op, okta(client(op), op.URL))
	if q, status, _ := r.login("alice"); status != 200 || !strings.Contains(q.Get("scope"), "offline_access") {
		t.Errorf("login: %d scope %q (%v)", status, q.Get("scope"), r.lastErr())
	}
}

// Auth0, as documented: with an audience the access token is a JWT for
// that API, which a verifier with that audience accepts.
func TestAuth0Audience(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	const api = "https://orders.example.com"
	p := auth0(client(op), op.URL, api)
	var at string
	p.Config.AfterLogin = func(_ context.Context, s *session.Session) error { at = s.AccessToken; return nil }
	r := newRP(t, op, p)
	if q, status, _ := r.login("alice"); status != 200 || q.Get("audience") != api {
		t.Fatalf("login: %d audience %q (%v)", status, q.Get("audience"), r.lastErr())
	}
	prov, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Close()
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{api}}, prov)
	if _, err := v.Verify(context.Background(), at); err != nil {
		t.Errorf("the access token for the API: %v", err)
	}
}

// Keycloak, as documented: realm_access and resource_access roles, read
// from the verified ID token only.
func TestKeycloakRoles(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.SetUser("alice", map[string]any{
		"realm_access":    map[string]any{"roles": []string{"offline_access", "staff"}},
		"resource_access": map[string]any{op.ClientID: map[string]any{"roles": []string{"editor"}}, "other": map[string]any{"roles": []string{"root"}}},
	})
	p := keycloak(client(op), op.URL)
	var realm, cl []string
	p.Config.AfterLogin = func(_ context.Context, s *session.Session) error {
		realm, cl = KeycloakRoles(s, op.ClientID)
		return nil
	}
	r := newRP(t, op, p)
	if _, status, _ := r.login("alice"); status != 200 {
		t.Fatalf("login: %d (%v)", status, r.lastErr())
	}
	if !reflect.DeepEqual(realm, []string{"offline_access", "staff"}) || !reflect.DeepEqual(cl, []string{"editor"}) {
		t.Errorf("roles: realm %v, client %v", realm, cl)
	}
	// Roles in the session's claims (say from userinfo) but not in the ID
	// token count for nothing.
	claims, _ := json.Marshal(map[string]any{"realm_access": map[string]any{"roles": []string{"admin"}}})
	idt := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"bob"}`)) + ".c2ln"
	if realm, _ := KeycloakRoles(&session.Session{Claims: claims, IDToken: idt}, op.ClientID); len(realm) != 0 {
		t.Errorf("TestAttackKeycloakRolesOutsideIDToken: %v", realm)
	}
}
