// Package oidctest is an in-process OpenID provider for tests and demos,
// shaped like net/http/httptest: NewServer starts it on a loopback port,
// Close stops it.
//
//	op := oidctest.NewServer()
//	defer op.Close()
//	// op.URL is the issuer; op.ClientID and op.ClientSecret a client.
//
// It serves, under URL:
//
//	GET  /.well-known/openid-configuration    OpenID discovery
//	GET  /.well-known/oauth-authorization-server  RFC 8414 metadata
//	GET  /jwks                                RS256, ES256 and EdDSA keys
//	GET  /authorize, POST /authorize          login form (any username)
//	POST /par                                 RFC 9126 pushed authorization requests
//	POST /token                               authorization_code (PKCE S256),
//	                                          refresh_token, client_credentials;
//	                                          with a DPoP proof (RFC 9449) the
//	                                          access token is bound to its key;
//	                                          token exchange (RFC 8693) of its
//	                                          own access tokens
//	GET  /userinfo, POST /userinfo            claims for a Bearer access token
//	GET  /end_session, POST /end_session      RP-initiated logout
//	POST /revoke                              RFC 7009 revocation
//	POST /introspect                          RFC 7662 introspection (RFC 9701
//	                                          JWT answers with IntrospectionJWT)
//
// The default is a correct, strict provider: PKCE S256 is required, codes are
// single use and expire in a minute (reusing one revokes what it gave),
// refresh tokens rotate and reusing one revokes its whole grant, clients
// authenticate with client_secret_basic (RFC 6749 §2.3.1 encoding),
// client_secret_post or private_key_jwt (Client.PublicKey), errors follow RFC 6749 §5.2, request bodies are capped
// at 64 KiB.
//
// Tests drive it without a browser: Login answers the redirect a user's
// sign-in would produce, Behavior.AutoLogin skips the form. Behavior
// switches, changed at run time with Set, reproduce quirks of real providers
// (string expires_in, form-encoded token responses, no ID token, ...) and
// deliberate misbehaviour (bad signatures, wrong nonce or issuer, failing or
// slow endpoints). Sign mints any JWT, broken ones included, with the
// server's keys or foreign ones; RotateKeys and RetireOldKeys rotate the
// JWKS. Count, EndSessionRequests and RevokedTokens show what clients did.
//
// It is a test double, for tests and demos only, never production: it keeps
// everything in memory, signs in anyone who types a username, and must never
// protect anything real.
package oidctest
