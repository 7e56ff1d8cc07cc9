package providers

import (
	"context"
	"fmt"
	"net/url"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Google is "Sign in with Google" (OpenID Connect; register a web client at
// console.cloud.google.com, APIs & Services, Credentials).
//
// Quirks handled: Google's ID tokens carry the issuer
// "https://accounts.google.com" or "accounts.google.com": both are
// accepted, for Google only (verify.ProviderConfig.IssuerAliases). A
// refresh token comes only with access_type=offline and, after the first
// consent, only with prompt=consent: both are sent. hostedDomain, when not
// empty, restricts sign-in to one Google Workspace domain: it is sent as
// hd (which only preselects accounts in Google's page, and anyone can
// remove it) and checked in the verified ID token's hd claim, where a
// missing or other domain refuses the login (403).
func Google(c Client, hostedDomain string) Preset {
	return google(c, hostedDomain, "https://accounts.google.com", "accounts.google.com")
}

func google(c Client, hd, issuer, alias string) Preset {
	cfg := base(c, "openid", "email", "profile")
	cfg.AuthParams = url.Values{"access_type": {"offline"}, "prompt": {"consent"}}
	if hd != "" {
		cfg.AuthParams.Set("hd", hd)
		cfg.AfterLogin = func(_ context.Context, s *session.Session) error {
			return checkHostedDomain(s, hd)
		}
	}
	return Preset{Name: "google", Config: cfg,
		Provider: verify.ProviderConfig{Issuer: issuer, IssuerAliases: []string{alias}}}
}

// checkHostedDomain refuses a session whose verified ID token's hd claim
// is not hd: Google sets hd only for Workspace accounts, from the account
// itself.
func checkHostedDomain(s *session.Session, hd string) error {
	c, err := idTokenClaims(s)
	if err != nil {
		return err
	}
	if got, _ := c["hd"].(string); got != hd {
		return fmt.Errorf("providers: Google account of hosted domain %q, want %q", got, hd)
	}
	return nil
}
