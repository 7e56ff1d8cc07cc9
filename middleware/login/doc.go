// Package login signs users in with an OpenID provider, or a plain OAuth 2.0
// provider, for browser applications.
//
// An Auth (New) provides the Login, Callback and Logout endpoints, the
// back-channel logout endpoint, and the Require and Optional middleware for
// browser sessions: authorization code flow with PKCE S256, state and nonce
// always, per-flow state cookies, full ID-token verification, a session
// saved under a fresh ID, refresh before expiry (single-flight, rotated
// refresh tokens saved before use), logout with revocation and RP-initiated
// logout. Several Auths (one per provider) can share one session.Manager.
// Session returns the signed-in session of a request.
//
// Handlers never write an internal error or a provider's response body into
// a page. Refusals go through Config.ErrorResponder, given an *AuthError
// whose Err field carries the cause for logs and errors.Is (ErrLoginState,
// ErrLoginRequest, ErrLoginDenied, ErrSessionStore, verify.ErrProvider).
//
// Settings of well-known providers are in package
// github.com/gatehouse-go/gatehouse/middleware/providers.
package login
