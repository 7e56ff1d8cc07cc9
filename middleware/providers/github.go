package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// GitHub's endpoints: it publishes no discovery document.
var githubEndpoints = verify.Metadata{
	Issuer:                "https://github.com",
	AuthorizationEndpoint: "https://github.com/login/oauth/authorize",
	TokenEndpoint:         "https://github.com/login/oauth/access_token",
	UserinfoEndpoint:      "https://api.github.com/user",
}

// githubEmails is GitHub's list of the user's addresses (scope user:email).
const githubEmails = "https://api.github.com/user/emails"

// GitHub is "Sign in with GitHub" (plain OAuth 2.0, an OAuth app or a
// GitHub App; register at github.com/settings/developers).
//
// Quirks handled: no ID token and no discovery, so the endpoints are
// fixed and the user comes from the user API (https://api.github.com/user);
// the subject is its numeric "id" (the login can be renamed and reused);
// token responses are form-encoded unless JSON is asked for; the "email"
// of /user is the public profile address, neither verified nor always
// present, so it is replaced by the primary, verified address from
// /user/emails (scope user:email), or removed when there is none. A GitHub
// App's expiring user tokens come with a refresh token and expires_in,
// which the middleware refreshes like any other.
func GitHub(c Client) Preset {
	return github(c, githubEndpoints, githubEmails)
}

func github(c Client, md verify.Metadata, emails string) Preset {
	cfg := base(c, "read:user", "user:email")
	cfg.FetchUserinfo, cfg.SubjectClaim = true, "id"
	hc := &http.Client{Timeout: 10 * time.Second}
	cfg.AfterLogin = func(ctx context.Context, s *session.Session) error {
		email, err := githubPrimaryEmail(ctx, hc, emails, s.AccessToken)
		if err != nil {
			return err
		}
		if email == "" {
			return setClaims(s, map[string]any{"email": nil, "email_verified": nil})
		}
		return setClaims(s, map[string]any{"email": email, "email_verified": true})
	}
	return Preset{Name: "github", Config: cfg, Provider: verify.ProviderConfig{Issuer: md.Issuer, Metadata: &md}}
}

// githubPrimaryEmail returns the user's primary address when GitHub has
// verified it, else "".
func githubPrimaryEmail(ctx context.Context, hc *http.Client, u, token string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: GitHub emails: %w", verify.ErrProvider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: GitHub emails answered %d", verify.ErrProvider, resp.StatusCode)
	}
	var list []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return "", fmt.Errorf("%w: GitHub emails: not a list of addresses", verify.ErrProvider)
	}
	for _, e := range list {
		if e.Primary && e.Verified {
			return e.Email, nil
		}
	}
	return "", nil
}
