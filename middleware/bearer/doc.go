// Package bearer protects APIs: net/http middleware that verifies the
// access token of each request and hands its claims to the handler.
//
// Protect (or New, with a Config) verifies the RFC 6750 bearer token, or an
// RFC 9449 DPoP-bound token with its proof, with a verify.TokenVerifier (a
// verify.Verifier for JWTs, a verify.Introspector for opaque tokens, or
// verify.Either of the two), and puts the token in the request context
// (Token, Claims; NewFor decodes the application's claims type at
// verification). RequireScope and RequireToken add per-route rules. With
// Config.Resource every challenge names the API's RFC 9728 metadata, which
// ProtectedResourceMetadata serves.
//
// Refusals are RFC 6750 answers (401 with a WWW-Authenticate challenge, 403
// insufficient_scope, 503 when the keys or the introspection endpoint are
// unreachable) written by Config.ErrorResponder, given an *Error whose Err
// field carries the cause for logs and errors.Is.
package bearer
