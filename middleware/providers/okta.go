package providers

import (
	"github.com/gatehouse-go/gatehouse/verify"
)

// Okta is "Sign in with Okta" (OpenID Connect; create an OIDC web app
// integration in the Admin Console, with the Refresh Token grant ticked).
// domain is the Okta org's host ("dev-123456.okta.com"); authServer is a
// custom authorization server's ID ("default") or "" for the org
// authorization server.
//
// Quirks handled: the issuer differs per authorization server
// (https://{domain} or https://{domain}/oauth2/{authServer}) and must be
// the one whose tokens you verify; a refresh token needs the
// offline_access scope, which is asked for. A groups claim appears only
// once configured in the authorization server (Claims tab).
func Okta(c Client, domain, authServer string) Preset {
	issuer := "https://" + domain
	if authServer != "" {
		issuer += "/oauth2/" + authServer
	}
	return okta(c, issuer)
}

func okta(c Client, issuer string) Preset {
	return Preset{Name: "okta", Config: base(c, "openid", "profile", "email", "offline_access"),
		Provider: verify.ProviderConfig{Issuer: issuer}}
}
