// Package verify verifies JWTs (access tokens and OpenID Connect ID tokens)
// against the keys an issuer publishes. It has no HTTP handlers; the
// middleware package builds on it.
//
// # Trust model
//
// A Verifier trusts a fixed set of Providers, each one issuer identifier
// with its own key set (jwks_uri from discovery or given by hand). A token is
// matched to a Provider by the exact value of its "iss" claim, and its
// signature is checked only with keys from that Provider's key set. Nothing
// in a token can add trust: the jku, x5u, x5c and jwk headers are never read,
// never fetched, never used.
//
// A Provider with an IssuerTemplate (Microsoft Entra's common and
// organizations endpoints) stands for many issuers, one per tenant: a token
// matches it when the template, filled with the token's tenant claim ("tid",
// a GUID, optionally from an allowlist), equals its "iss" exactly. The
// issuer check is never skipped, and the keys are still the Provider's own.
//
// # What Verify checks, in order
//
//  1. Size: longer than Config.MaxTokenSize (16 KiB) is rejected unread.
//  2. Form: a compact JWS, three base64url segments, non-empty signature; a
//     JWE (five segments, or an "enc" header) is rejected.
//  3. Header: "alg" in the allowlist (asymmetric algorithms by default;
//     "none" never; HS256/384/512 only with a configured shared secret and
//     then only with that secret); no "crit" (no extension is understood);
//     no "b64"; "typ" when Config.Type is set ("at+jwt" for RFC 9068).
//  4. Claims decode once, strictly (see Strict JSON); "iss" must name a
//     trusted Provider.
//  5. Signature: with the key whose "kid" matches (or, without kid, every key
//     whose type fits the alg). Each key verifies one algorithm: its own
//     "alg", or, without one, RS256, ES256/384/512 (by curve) or EdDSA,
//     unless Config.Algorithms, set by the application, lists more.
//  6. "exp" required and not past; "nbf" and "iat" not in the future; all
//     with Config.Leeway (60 s by default).
//  7. "aud" contains one of Config.Audiences.
//
// VerifyIDToken runs 1–6, then the ID-token checks of OpenID Connect Core
// §3.1.3.7: alg one the provider advertises in
// id_token_signing_alg_values_supported (RS256 when absent), aud contains
// the client ID, azp (when present or when there are
// several audiences) equals it, iat and sub present, nonce equal.
//
// # Strict JSON
//
// The header, the claims and discovery metadata are read, and key sets
// checked before they are read, with github.com/go-json-experiment/json, the
// prototype of encoding/json/v2:
// member names match exactly (case-sensitive, no Unicode folding), a
// duplicate member name refuses the whole document (RFC 7515 §5.2, RFC 7519
// §7.2), and so does invalid UTF-8. Gatehouse also refuses a member whose
// name is a case variant of a registered name ("EXP" or "ſub", with U+017F,
// for "exp" or "sub"), even when the real name is absent, because
// applications and proxies often decode the same claims again with a
// decoder that folds case. The registered names: iss sub aud exp nbf iat
// jti nonce azp at_hash events sid typ alg kid crit b64 enc cnf scope scp
// tid client_id cty jku jwk x5u x5c auth_time; in a key set, every JWK member name of
// RFC 7517 and RFC 7518; in discovery metadata, every name Metadata reads.
// "aud" must be a string or an array of strings: a null or number member
// makes the token invalid. Every such refusal matches ErrInvalid
// (ErrMetadata for a discovery document; a key set refused this way is a
// failed fetch). CheckClaimsJSON applies the same rules to a document
// Gatehouse does not decode itself, such as a userinfo answer. Token
// endpoint answers are not covered: they come over TLS from the endpoint
// the client itself called, and golang.org/x/oauth2 reads them with
// encoding/json.
//
// # Keys
//
// Each Provider's key set is cached and refreshed in the background,
// following the JWKS response's Cache-Control within bounds. Gatehouse reads
// each JWK itself, by exact member names, and uses only clean signature
// keys: a key carrying private members (d, p, q, dp, dq, qi, oth, k) is
// dropped and logged at Error as a provider misconfiguration
// (ProviderConfig.Logger); so are keys whose "use" is not "sig", whose
// "key_ops" lacks "verify", RSA keys under 2048 bits, EC keys off their
// curve, and keys whose first x5c certificate holds another key (an x5c that
// does not parse is ignored). A token whose
// kid is unknown triggers one immediate refresh (a key was rotated in): the
// refresh is single-flight and at most one per KeyMissInterval (30 s), so a
// flood of made-up kids costs at most one fetch per window, and requests
// with known kids never wait for it. When a fetch fails the last good keys
// stay in use; when no keys could ever be fetched, Verify returns an error
// matching ErrUnavailable (a bearer API answers 503, not 401).
//
// # Sender-constrained tokens
//
// Verify reads a token's "cnf" claim into Token.Confirmation: cnf.jkt (a
// DPoP key's thumbprint, RFC 9449) and cnf["x5t#S256"] (a TLS client
// certificate's, RFC 8705). A cnf naming any other confirmation method, or
// malformed, makes the token invalid, so a bound token never passes as a
// bearer token merely because its binding is unfamiliar. A DPoPVerifier
// checks the DPoP proof that accompanies such a token (see
// DPoPVerifier.Verify): the one place Gatehouse takes a key from a JWS
// header, since the proof's own key is what the token's trusted issuer
// bound it to. The key is read by the same rules as a key set's (no private
// members, RSA of at least 2048 bits, EC on its curve) and its RFC 7638
// thumbprint computed from the key itself.
//
// # Opaque tokens: introspection
//
// An Introspector (NewIntrospector) verifies tokens the API cannot check
// itself by asking the provider's introspection_endpoint (RFC 7662),
// authenticated with the API's client credentials (client_secret_basic or
// client_secret_post). The answer must say "active": true, token_type
// Bearer or DPoP, and passes the checks of 4, 6 and 7 above (iss, when
// present, exactly the provider's); it is read strictly and at most 64 KiB of
// it. A signed RFC 9701 answer (application/token-introspection+jwt) is
// verified with the provider's keys: typ token-introspection+jwt, iss, aud
// the API's client ID, iat. Answers are cached (active ones until exp, at
// most IntrospectionConfig.CacheTTL, 2 minutes; refusals 10 s), and
// concurrent requests for one token share one call. An endpoint that is down,
// slow or answers anything but a readable 200 gives ErrUnavailable.
//
// A TokenVerifier is either kind; Either sends JWT-shaped tokens to a
// Verifier and the rest to an Introspector.
//
// # Observing
//
// An observe.Observer set in ProviderConfig, Config or IntrospectionConfig
// gets one observe.Event per key-set fetch (KeyFetch, background refreshes
// included), per Verify or VerifyInto call (Verify) and per introspection
// answer (Introspect). Usually one Observer goes in all three. A refusal's
// Reason is the check that failed: too_large, malformed, algorithm, header
// (crit or b64), type, issuer, tenant, unknown_key, signature, expired,
// not_yet_valid, missing_claim, audience, cnf, claims_type (VerifyInto);
// for introspection also inactive and not_access_token. Failed verifications
// and introspections say "unavailable"; failed key fetches "unreachable",
// "status" or "refused". A failed key fetch is also logged at Warn.
//
// # Provider quirks accepted
//
// "aud" as a string or an array; "scope" as a space-separated string or
// "scp" as an array or a string (Okta, Entra); fractional NumericDates;
// "typ" with or without the "application/" prefix and in any case; JWKS
// entries of unknown key types are skipped rather than failing the set;
// keys without "alg" (Entra); base64 with padding in JWK members.
package verify
