package providers

import (
	"github.com/gatehouse-go/gatehouse/verify"
)

// microsoftLogin is Microsoft's identity platform; personalTenant is the
// tenant of personal Microsoft accounts, whose issuer the "consumers"
// endpoint publishes.
const (
	microsoftLogin = "https://login.microsoftonline.com"
	personalTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
)

// Microsoft is "Sign in with Microsoft" (Entra ID, OpenID Connect v2.0;
// register an app at entra.microsoft.com, App registrations). tenant
// chooses who may sign in:
//
//   - a tenant ID (a GUID): that one organisation (single-tenant); give
//     the ID, not a domain name, since the issuer names the ID;
//   - "organizations" (any work or school account) or "common" (those
//     and personal accounts): multi-tenant, each token's issuer built from
//     its own tid and compared exactly (verify.IssuerTemplate), only the
//     allowedTenants when any are given;
//   - "consumers": personal Microsoft accounts only.
//
// Quirks handled: the multi-tenant metadata publish the issuer
// "https://login.microsoftonline.com/{tenantid}/v2.0" (a placeholder),
// which plain discovery refuses; a refresh token needs the offline_access
// scope, which is asked for. Microsoft's email claim is not verified by
// Microsoft: identify users by sub (or oid with tid), never by email.
func Microsoft(c Client, tenant string, allowedTenants ...string) Preset {
	switch tenant {
	case "organizations", "common":
		return microsoft(c, microsoftLogin+"/"+tenant+"/v2.0",
			&verify.IssuerTemplate{Template: microsoftLogin + "/{tenantid}/v2.0", Allowed: allowedTenants})
	case "consumers":
		tenant = personalTenant
	}
	return microsoft(c, microsoftLogin+"/"+tenant+"/v2.0", nil)
}

func microsoft(c Client, issuer string, tmpl *verify.IssuerTemplate) Preset {
	return Preset{Name: "microsoft", Config: base(c, "openid", "profile", "email", "offline_access"),
		Provider: verify.ProviderConfig{Issuer: issuer, IssuerTemplate: tmpl}}
}
