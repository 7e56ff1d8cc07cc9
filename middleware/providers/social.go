package providers

import (
	"context"
	"net/url"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// plainOAuth is a preset for a provider without OpenID Connect: fixed
// endpoints, the user from its user API, subject from the claim sub.
func plainOAuth(name string, c Client, md verify.Metadata, sub string, scopes ...string) Preset {
	cfg := base(c, scopes...)
	cfg.FetchUserinfo, cfg.SubjectClaim = true, sub
	return Preset{Name: name, Config: cfg, Provider: verify.ProviderConfig{Issuer: md.Issuer, Metadata: &md}}
}

// Facebook is "Log in with Facebook" (plain OAuth 2.0 through the Graph
// API; create an app at developers.facebook.com with Facebook Login and the
// redirect URL under Valid OAuth Redirect URIs).
//
// Quirks handled: no ID token on the web, so the user comes from
// https://graph.facebook.com/v19.0/me?fields=id,name,email, whose "id"
// (app-scoped, a string) is the subject; the Graph API version is in the
// URLs. Facebook gives an email only when the user has a confirmed one and
// granted the email permission.
func Facebook(c Client) Preset {
	const g = "https://graph.facebook.com/v19.0"
	return plainOAuth("facebook", c, verify.Metadata{Issuer: "https://www.facebook.com",
		AuthorizationEndpoint: "https://www.facebook.com/v19.0/dialog/oauth",
		TokenEndpoint:         g + "/oauth/access_token",
		UserinfoEndpoint:      g + "/me?fields=id,name,email"}, "id", "public_profile", "email")
}

// Discord is "Sign in with Discord" (plain OAuth 2.0; create an
// application at discord.com/developers, OAuth2, with the redirect URL).
//
// Quirks handled: the user is https://discord.com/api/users/@me, its "id"
// (a snowflake string) the subject; whether its email is verified is the
// member "verified", copied to email_verified, and an unverified email is
// removed.
func Discord(c Client) Preset {
	p := plainOAuth("discord", c, verify.Metadata{Issuer: "https://discord.com",
		AuthorizationEndpoint: "https://discord.com/oauth2/authorize",
		TokenEndpoint:         "https://discord.com/api/oauth2/token",
		RevocationEndpoint:    "https://discord.com/api/oauth2/token/revoke",
		UserinfoEndpoint:      "https://discord.com/api/users/@me"}, "id", "identify", "email")
	p.Config.AfterLogin = discordEmail
	return p
}

// discordEmail keeps Discord's email only when "verified" is true.
func discordEmail(_ context.Context, s *session.Session) error {
	c, err := sessionClaims(s)
	if err != nil {
		return err
	}
	if v, _ := c["verified"].(bool); v {
		return setClaims(s, map[string]any{"email_verified": true})
	}
	return setClaims(s, map[string]any{"email": nil, "email_verified": nil})
}

// Slack is "Sign in with Slack" (OpenID Connect; create an app at
// api.slack.com/apps with the redirect URL and the user scopes openid,
// profile and email).
//
// Quirks handled: the issuer is https://slack.com; the token endpoint
// (openid.connect.token) takes the secret in the form (client_secret_post),
// which the preset uses. The workspace is the claim
// "https://slack.com/team_id".
func Slack(c Client) Preset {
	return oidcPost("slack", c, "https://slack.com", nil, "openid", "profile", "email")
}

// LinkedIn is "Sign in with LinkedIn using OpenID Connect" (an app at
// linkedin.com/developers with the product of that name).
//
// Quirks handled: the issuer is https://www.linkedin.com/oauth; the token
// endpoint wants the secret in the form (client_secret_post); there is no
// refresh token for most apps, so the session ends when the access token
// does (60 days).
func LinkedIn(c Client) Preset {
	return oidcPost("linkedin", c, "https://www.linkedin.com/oauth", nil, "openid", "profile", "email")
}

// Twitch is "Sign in with Twitch" (OpenID Connect; register at
// dev.twitch.tv/console with the redirect URL).
//
// Quirks handled: the issuer is https://id.twitch.tv/oauth2; the token
// endpoint wants the secret in the form (client_secret_post); the ID token
// carries email and preferred_username only when asked for with the claims
// parameter, which the preset sends (scope user:read:email for the email).
func Twitch(c Client) Preset {
	return oidcPost("twitch", c, "https://id.twitch.tv/oauth2",
		url.Values{"claims": {`{"id_token":{"email":null,"email_verified":null,"preferred_username":null}}`}},
		"openid", "user:read:email")
}

// oidcPost is an OpenID Connect preset authenticating with
// client_secret_post.
func oidcPost(name string, c Client, issuer string, params url.Values, scopes ...string) Preset {
	cfg := base(c, scopes...)
	cfg.AuthStyle, cfg.AuthParams = verify.ClientSecretPost, params
	return Preset{Name: name, Config: cfg, Provider: verify.ProviderConfig{Issuer: issuer}}
}
