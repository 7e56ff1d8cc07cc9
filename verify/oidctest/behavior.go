package oidctest

import "time"

// Behavior holds every switch of the server: quirks of real providers and
// deliberate misbehaviour. The zero value is a correct, strict provider.
// Change it with Server.Set.
type Behavior struct {
	// AccessTokenTTL and IDTokenTTL default to one hour.
	AccessTokenTTL, IDTokenTTL time.Duration
	// Audience is the aud of JWT access tokens minted at /token when
	// neither the token request nor the authorization request names one
	// (resource, RFC 8707, or audience). Default "api".
	Audience string
	// OpaqueAccessTokens issues random strings instead of JWTs.
	OpaqueAccessTokens bool
	// DisableRefreshRotation keeps the same refresh token across refreshes;
	// by default every refresh answers a new one and spends the old.
	DisableRefreshRotation bool
	// DisableReuseDetection: by default presenting an already-used refresh
	// token revokes its whole grant (every token of it) and answers
	// invalid_grant. With detection off, it only answers invalid_grant.
	DisableReuseDetection bool

	// Token-response quirks of real providers.
	ExpiresInAsString        bool // "expires_in":"3600"
	OmitExpiresIn            bool // no expires_in
	LowercaseTokenType       bool // "token_type":"bearer"
	FormEncodedTokenResponse bool // application/x-www-form-urlencoded body (GitHub)
	OmitIDToken              bool // plain OAuth 2.0: never an id_token
	ExpiresInNanoseconds     bool // expires_in counted in nanoseconds (a mock provider's bug)
	MisspelledExpiresIn      bool // "expire_in":"3600" instead of expires_in
	// OnlyClientSecretPost advertises client_secret_basic (as by default)
	// but refuses it at /token with 401 invalid_client: only
	// client_secret_post is accepted.
	OnlyClientSecretPost bool

	// IssParameter advertises authorization_response_iss_parameter_supported
	// and sends iss with every authorization response (RFC 9207).
	IssParameter bool
	// IssParameterValue, when set, is sent as iss instead of the issuer,
	// whether or not IssParameter advertises it (attack tests).
	IssParameterValue string

	// IDTokenClaims and IDTokenHeader are merged into every ID token the
	// token endpoint issues, last; a nil value deletes the claim or header
	// member.
	IDTokenClaims map[string]any
	IDTokenHeader map[string]any
	// IDTokenAlg signs ID tokens: "RS256" (default), "ES256", "EdDSA",
	// "PS256", "none", or "HS256" (keyed with the client's secret).
	IDTokenAlg string
	// BadIDTokenSignature corrupts the ID token's signature.
	BadIDTokenSignature bool

	// MultiTenant makes the server a multi-tenant provider shaped like
	// Microsoft Entra's common endpoint: the metadata publish the issuer
	// template IssuerTemplate() (URL + "/{tenantid}/v2.0"), and every token
	// minted at /token carries its user's tenant as "tid" and that tenant's
	// issuer, TenantIssuer(tid), as "iss". A user's tenant is the "tid" of
	// SetUser, or DefaultTenant. Discovery stays at URL.
	MultiTenant bool

	// DiscoveryIssuer, when set, is written into both metadata documents
	// as issuer (mismatch tests).
	DiscoveryIssuer string
	// DisableOIDCDiscovery answers 404 at /.well-known/openid-configuration;
	// RFC 8414 metadata stays (fallback tests).
	DisableOIDCDiscovery bool
	// DiscoveryStatus, JWKSStatus, TokenStatus, UserinfoStatus and
	// RevocationStatus, when non-zero, make the endpoint answer that status
	// with a small error body (both discovery documents share
	// DiscoveryStatus). At /token the body is JSON: error server_error for
	// 5xx, invalid_grant otherwise, or TokenBody when set.
	DiscoveryStatus, JWKSStatus, TokenStatus, UserinfoStatus, RevocationStatus int
	// JWKSCacheControl is sent as the JWKS response's Cache-Control.
	JWKSCacheControl string
	// JWKSMembers are merged into the published JWK of every key of a
	// family, named by its alg ("RS256", "ES256", "EdDSA"); a nil value
	// deletes a member. For key-set tests: {"RS256": {"alg": nil}} publishes
	// the RSA key without alg (as Entra does), "use": "enc", "key_ops",
	// "x5c", a leaked private member such as "d", or another "n".
	JWKSMembers map[string]map[string]any
	// IDTokenSigningAlgs, when non-nil, is advertised as
	// id_token_signing_alg_values_supported instead of RS256, ES256 and
	// EdDSA; an empty slice leaves the member out of the documents.
	IDTokenSigningAlgs []string
	// TokenDelay is waited before /token answers, or until the request is
	// cancelled.
	TokenDelay time.Duration
	// TokenBody, when set, is the exact /token answer (status TokenStatus,
	// default 200), with content type TokenContentType (default
	// application/json).
	TokenBody, TokenContentType string
	// EchoClientSecret makes /token refuse every client that
	// authenticates correctly with 401 invalid_client and an
	// error_description echoing its credentials, as careless providers do:
	// "raw" (the secret as it is), "url" (percent-encoded), "form"
	// (client_id=…&client_secret=…, form-encoded), "basic" (the
	// client_secret_basic header: "Basic " and the base64 of the
	// form-encoded "client_id:secret") or "json" (a JSON document holding
	// the secret, escaped). For tests that a secret never reaches a log.
	EchoClientSecret string
	// UserinfoSub, when set, is answered by userinfo as sub instead of the
	// user's.
	UserinfoSub string
	// UserinfoBody, when set, is the exact userinfo answer (JSON, status
	// 200) for a valid access token: for answers a map cannot hold, such
	// as a member name twice.
	UserinfoBody string
	// LogoutRequiresState sends the browser back to
	// post_logout_redirect_uri only when the logout request carries a
	// state, as Glewlwyd does; otherwise it shows the signed-out page.
	LogoutRequiresState bool
	// AutoLogin, when set, makes GET /authorize log this user in at once
	// and redirect back, without the form.
	AutoLogin string
	// DPoPNonce, when set, is the nonce every DPoP proof at /token must
	// carry; a proof without it gets 400 use_dpop_nonce and a DPoP-Nonce
	// header (RFC 9449 §8).
	DPoPNonce string
	// IntrospectionStatus, when non-zero, makes the introspection endpoint
	// answer that status with a small error body.
	IntrospectionStatus int
	// IntrospectionBody, when set, is the exact introspection answer
	// (status 200) for an authenticated client, with content type
	// IntrospectionContentType (default application/json): for answers a
	// map cannot hold, such as a member name twice, or oversized ones.
	IntrospectionBody, IntrospectionContentType string
	// IntrospectionClaims are merged into every active introspection
	// answer, last; a nil value deletes the member.
	IntrospectionClaims map[string]any
	// IntrospectionJWT answers a request whose Accept names
	// application/token-introspection+jwt with an RFC 9701 signed JWT
	// (RS256, typ token-introspection+jwt, iss, aud the calling client,
	// iat, the answer in token_introspection).
	IntrospectionJWT bool
	// RequirePAR advertises require_pushed_authorization_requests and
	// refuses authorization requests that were not pushed to /par first
	// (RFC 9126) with invalid_request.
	RequirePAR bool
	// AllowMissingPKCE accepts authorization requests without PKCE; by
	// default code_challenge with method S256 is required.
	AllowMissingPKCE bool
}

func (b *Behavior) accessTTL() time.Duration { return orDefault(max(b.AccessTokenTTL, 0), time.Hour) }
func (b *Behavior) idTTL() time.Duration     { return orDefault(max(b.IDTokenTTL, 0), time.Hour) }
func (b *Behavior) audience() string         { return orDefault(b.Audience, "api") }

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
