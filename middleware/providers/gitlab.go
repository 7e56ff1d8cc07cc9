package providers

import (
	"strings"

	"github.com/gatehouse-go/gatehouse/verify"
)

// GitLab is "Sign in with GitLab" (OpenID Connect; register an application
// in User settings, Applications, or a group's or the instance's, with the
// scopes openid, profile and email). baseURL is a self-managed instance's
// address, or "" for https://gitlab.com.
//
// Quirks handled: the subject is the numeric user ID as a string; the
// user's groups are in userinfo ("groups"), not in the ID token (which has
// only groups_direct), so userinfo is fetched and its sub checked against
// the ID token's; access tokens live two hours and refresh tokens rotate,
// which the middleware handles.
func GitLab(c Client, baseURL string) Preset {
	if baseURL == "" {
		baseURL = "https://gitlab.com"
	}
	return gitlab(c, strings.TrimSuffix(baseURL, "/"))
}

func gitlab(c Client, issuer string) Preset {
	cfg := base(c, "openid", "profile", "email")
	cfg.FetchUserinfo = true
	return Preset{Name: "gitlab", Config: cfg, Provider: verify.ProviderConfig{Issuer: issuer}}
}
