package providers

import (
	"net/url"

	"github.com/gatehouse-go/gatehouse/verify"
)

// Auth0 is "Sign in with Auth0" (OpenID Connect; create a Regular Web
// Application, add the callback URL to Allowed Callback URLs). domain is
// the tenant's domain ("example.eu.auth0.com" or a custom domain);
// audience is the identifier of your API in Auth0, or "".
//
// Quirks handled: the issuer ends with a slash ("https://{domain}/"),
// which the exact issuer check needs as it is; without an audience the
// access token is good only for userinfo (not a JWT for your API), so an
// audience, when given, is sent as the audience parameter and the access
// token is then a JWT your API verifies with that audience; a refresh
// token needs offline_access (asked for) and the Refresh Token grant on
// the application.
func Auth0(c Client, domain, audience string) Preset {
	return auth0(c, "https://"+domain+"/", audience)
}

func auth0(c Client, issuer, audience string) Preset {
	cfg := base(c, "openid", "profile", "email", "offline_access")
	if audience != "" {
		cfg.AuthParams = url.Values{"audience": {audience}}
	}
	return Preset{Name: "auth0", Config: cfg, Provider: verify.ProviderConfig{Issuer: issuer}}
}
