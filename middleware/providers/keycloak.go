package providers

import (
	"strings"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Keycloak is "Sign in with Keycloak" (OpenID Connect; create a client
// with Client authentication on and the redirect URL under Valid redirect
// URIs). baseURL is the server's address ("https://sso.example.com"), realm
// the realm's name.
//
// Quirks handled: the issuer is {baseURL}/realms/{realm}; logout goes to
// the end_session_endpoint with id_token_hint and post_logout_redirect_uri,
// which Keycloak 18 and later require (add the URL under Valid post logout
// redirect URIs). Roles: see KeycloakRoles.
func Keycloak(c Client, baseURL, realm string) Preset {
	return keycloak(c, strings.TrimSuffix(baseURL, "/")+"/realms/"+realm)
}

func keycloak(c Client, issuer string) Preset {
	return Preset{Name: "keycloak", Config: base(c, "openid", "profile", "email"),
		Provider: verify.ProviderConfig{Issuer: issuer}}
}

// KeycloakRoles returns the signed-in user's realm roles (realm_access)
// and roles of the client clientID (resource_access), read from the
// session's verified ID token. Keycloak puts them in access tokens only by
// default: turn on "Add to ID token" in the realm roles and client roles
// mappers of the "roles" client scope, or both lists are empty.
func KeycloakRoles(s *session.Session, clientID string) (realm, client []string) {
	c, err := idTokenClaims(s)
	if err != nil {
		return nil, nil
	}
	realm = roles(c["realm_access"])
	if ra, ok := c["resource_access"].(map[string]any); ok {
		client = roles(ra[clientID])
	}
	return realm, client
}

// roles reads {"roles": [...]} of Keycloak's role claims.
func roles(v any) []string {
	m, _ := v.(map[string]any)
	list, _ := m["roles"].([]any)
	var out []string
	for _, r := range list {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
