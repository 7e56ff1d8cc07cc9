// Package outbound makes the *http.Client of a service that calls other
// APIs with tokens of its own, renewed before they expire:
//
//   - New and NewTransport: the client credentials grant (RFC 6749 §4.4),
//     optionally DPoP-bound (RFC 9449) and audience-restricted (RFC 8707);
//   - NewRefresh: a stored refresh token, rotated tokens handed to
//     RefreshConfig.OnRotate before use;
//   - NewExchange: RFC 8693 token exchange of the incoming user's token
//     (bearer.Token) for one meant for the API being called.
//
// Every client authenticates as verify.AuthStyle says (secret in the
// header or the form, or private_key_jwt), has a timeout, and never puts a
// secret or a provider's response body in an error.
package outbound
