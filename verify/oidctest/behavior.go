package oidctest

import "time"

// Behavior holds every switch of the server: quirks of real providers and
// deliberate misbehaviour. The zero value is a correct, strict provider.
type Behavior struct {
	// AccessTokenTTL and IDTokenTTL default to one hour.
	AccessTokenTTL, IDTokenTTL time.Duration
	// Audience is the aud of JWT access tokens minted at /token when the
	// request names none (audience or resource parameter). Default "api".
	Audience string
	// OpaqueAccessTokens issues random strings instead of JWTs.
	OpaqueAccessTokens bool
	// DisableRefreshRotation keeps the same refresh token across refreshes.
	DisableRefreshRotation bool
	// DisableReuseDetection: by default an already-used refresh token
	// revokes its whole grant and answers invalid_grant.
	DisableReuseDetection bool

	// Token-response quirks of real providers.
	ExpiresInAsString        bool // "expires_in":"3600"
	OmitExpiresIn            bool
	LowercaseTokenType       bool // "token_type":"bearer"
	FormEncodedTokenResponse bool // application/x-www-form-urlencoded (GitHub)
	OmitIDToken              bool // plain OAuth 2.0

	// IssParameter advertises authorization_response_iss_parameter_supported
	// and sends iss with the authorization response (RFC 9207).
	IssParameter bool
	// IssParameterValue, when set, is sent as iss instead of the issuer.
	IssParameterValue string

	// IDTokenClaims and IDTokenHeader are merged into every ID token; a nil
	// value deletes the claim or header.
	IDTokenClaims map[string]any
	IDTokenHeader map[string]any
	// IDTokenAlg signs ID tokens: "RS256" (default), "ES256", "EdDSA",
	// "none", or "HS256" (with the client secret).
	IDTokenAlg string
	// BadIDTokenSignature corrupts the ID token's signature.
	BadIDTokenSignature bool

	// DiscoveryIssuer is written into the discovery document as issuer.
	DiscoveryIssuer string
	// DisableOIDCDiscovery answers 404 at /.well-known/openid-configuration.
	DisableOIDCDiscovery bool
	// Non-zero: the endpoint answers this status with a small error body.
	DiscoveryStatus, JWKSStatus, TokenStatus, UserinfoStatus, RevocationStatus int
	// JWKSCacheControl is sent as the JWKS response's Cache-Control.
	JWKSCacheControl string
	// TokenDelay is waited before /token answers (or until the request ends).
	TokenDelay time.Duration
	// TokenBody, when set, is the exact /token answer, with
	// TokenContentType (default application/json).
	TokenBody, TokenContentType string
	// UserinfoSub is answered by userinfo instead of the real sub.
	UserinfoSub string
	// AutoLogin logs this user in at GET /authorize, without the form.
	AutoLogin string
	// AllowMissingPKCE accepts authorization requests without PKCE; by
	// default code_challenge with method S256 is required.
	AllowMissingPKCE bool
}

func (b *Behavior) accessTTL() time.Duration { return orDuration(b.AccessTokenTTL, time.Hour) }
func (b *Behavior) idTTL() time.Duration     { return orDuration(b.IDTokenTTL, time.Hour) }
func (b *Behavior) audience() string {
	if b.Audience == "" {
		return "api"
	}
	return b.Audience
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
