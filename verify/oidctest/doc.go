// Package oidctest is an in-process OpenID provider for tests and demos,
// shaped like net/http/httptest: NewServer starts it on a loopback port,
// Close stops it.
//
// It serves OpenID discovery and RFC 8414 metadata, a JWKS with RS256, ES256
// and EdDSA keys (rotatable), an authorization endpoint with a small login
// form (any username; tests can also log in with Login or AutoLogin), a
// token endpoint (authorization_code with PKCE S256, refresh_token with
// rotation and reuse detection that revokes the grant, client_credentials;
// client_secret_basic and client_secret_post), userinfo, end_session and
// revocation. Behavior switches reproduce the quirks of real providers and
// deliberate misbehaviour (bad signatures, wrong nonce, wrong issuer, slow
// or failing endpoints), and Sign mints any JWT, broken ones included.
//
// It is a test double. It keeps everything in memory, trusts any username
// and must never be used to protect anything real.
package oidctest
