// Package middleware is the map of Gatehouse's net/http handlers. Each
// product is a package of its own, and all of them plug into any router
// that takes http.Handler or func(http.Handler) http.Handler:
//
//   - [github.com/gatehouse-go/gatehouse/middleware/login]: browser login
//     with an OpenID provider or a plain OAuth 2.0 provider (Auth: Login,
//     Callback, Logout, back-channel logout, and the Require and Optional
//     middleware over sessions in cookies or Redis).
//   - [github.com/gatehouse-go/gatehouse/middleware/bearer]: API
//     protection (RFC 6750 bearer and RFC 9449 DPoP tokens, verified by a
//     verify.TokenVerifier, scopes, RFC 9728 resource metadata).
//   - [github.com/gatehouse-go/gatehouse/middleware/outbound]: HTTP
//     clients that call APIs with tokens of their own (client credentials,
//     a stored refresh token, RFC 8693 token exchange).
//   - [github.com/gatehouse-go/gatehouse/middleware/providers]: settings
//     of well-known providers for login (Google, Microsoft Entra, Apple,
//     GitHub, ...).
//
// Client authentication at the provider (verify.AuthStyle,
// verify.ClientKey) and the provider's error answers (verify.ProviderError)
// are shared by all of them and live in package verify.
//
// This package has no code; its tests drive the packages together, against
// the in-process test provider (verify/oidctest), the npm oidc-provider,
// Redis and a browser.
package middleware
