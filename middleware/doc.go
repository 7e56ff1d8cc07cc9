// Package middleware holds the net/http handlers of Gatehouse, composing the
// verify and session packages. They plug into any router that takes
// http.Handler or func(http.Handler) http.Handler.
//
// # Protecting an API
//
// Bearer verifies the RFC 6750 bearer token of each request with a
// verify.TokenVerifier (a verify.Verifier for JWTs, a verify.Introspector for
// opaque tokens, or verify.Either of the two) and puts the token in the
// request context (Token, Claims). RequireScope and RequireToken add
// per-route rules. With BearerConfig.Resource every challenge names the
// API's RFC 9728 metadata, which ProtectedResourceMetadata serves.
//
// # Logging users in
//
// An Auth (New) provides the Login, Callback and Logout endpoints and the
// Require and Optional middleware for browser sessions: authorization code
// flow with PKCE S256, state and nonce always, per-flow state cookies, full
// ID-token verification, a session saved under a fresh ID, refresh before
// expiry (single-flight, rotated refresh tokens saved before use), logout
// with revocation and RP-initiated logout. Several Auths (one per provider)
// can share one session.Manager.
//
// # Errors
//
// Handlers never write an internal error or a provider's response body into
// a page. Refusals go through a configurable responder given a *BearerError
// or an *AuthError, whose Err field carries the cause for logs and
// errors.Is.
package middleware
