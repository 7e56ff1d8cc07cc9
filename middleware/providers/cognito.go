package providers

import (
	"net/url"

	"github.com/gatehouse-go/gatehouse/verify"
)

// Cognito is "Sign in with Amazon Cognito" (a user pool's app client with a
// secret, the authorization code grant, and the scopes openid, email and
// profile). region and userPoolID name the pool ("eu-west-1",
// "eu-west-1_AbCdEf123"); domain is its hosted UI domain
// ("auth.example.com" or "example.auth.eu-west-1.amazoncognito.com");
// logoutURI is where the browser lands after logout, registered under
// Allowed sign-out URLs (the app's PostLogoutRedirectURL, absolute).
//
// Quirks handled: the issuer is https://cognito-idp.{region}.amazonaws.com/{userPoolID},
// while the endpoints live on the domain; the logout endpoint
// (https://{domain}/logout, which wants client_id and logout_uri) is not
// in the discovery document, so the preset adds it (Preset.EndSession).
func Cognito(c Client, region, userPoolID, domain, logoutURI string) Preset {
	return cognito(c, "https://cognito-idp."+region+".amazonaws.com/"+userPoolID, "https://"+domain+"/logout", logoutURI)
}

func cognito(c Client, issuer, logout, logoutURI string) Preset {
	cfg := base(c, "openid", "email", "profile")
	cfg.PostLogoutRedirectURL = logoutURI
	return Preset{Name: "cognito", Config: cfg, Provider: verify.ProviderConfig{Issuer: issuer},
		EndSession: logout + "?" + url.Values{"logout_uri": {logoutURI}}.Encode()}
}
