package providers

import (
	"crypto"

	"github.com/gatehouse-go/gatehouse/verify"
)

// AppleClient is what you register for Sign in with Apple: a Services ID
// (the client ID), your team ID, a Sign in with Apple key (its ID and the
// P-256 private key of the .p8 file Apple lets you download once) and the
// return URL, which Apple requires to be https.
type AppleClient struct {
	ServicesID, TeamID, KeyID string        // the client ID; your team's ID; the key's ID
	Key                       crypto.Signer // the .p8 file's P-256 private key
	RedirectURL               string        // the return URL registered with the Services ID: https
}

// Apple is "Sign in with Apple" (OpenID Connect; register a Services ID
// with Sign in with Apple enabled, its return URL, and a key, in the
// Certificates, Identifiers & Profiles section of Apple's developer
// account).
//
// Quirks handled: the client secret is a JWT the application signs (ES256,
// iss the team ID, sub the Services ID, aud https://appleid.apple.com, six
// months at most), made by AppleClientSecret and made anew at
// half its life, sent as client_secret_post; Apple answers with
// response_mode=form_post whenever name or email is asked for (a
// cross-site POST to the callback: FormPost, which needs an https
// RedirectURL, and both POST and GET of it routed to Callback); the user's name comes only once, with the first
// authorization, in the posted "user" parameter, and fills the session's
// given_name, family_name and name claims (the verified ID token has no
// name); the email is the ID token's (possibly a private relay address).
func Apple(c AppleClient) (Preset, error) {
	secret, err := AppleClientSecret(c.Key, c.TeamID, c.KeyID, c.ServicesID, 0)
	if err != nil {
		return Preset{}, err
	}
	cfg := base(Client{ID: c.ServicesID, RedirectURL: c.RedirectURL}, "openid", "name", "email")
	cfg.FormPost = true
	cfg.AuthStyle = verify.ClientSecretPost
	cfg.ClientSecretFunc = secret
	return Preset{Name: "apple", Config: cfg, Provider: verify.ProviderConfig{Issuer: "https://appleid.apple.com"}}, nil
}
