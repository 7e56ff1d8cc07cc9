package verify

import "errors"

// Sentinel errors. Every error returned by Verify, VerifyIDToken and Discover
// matches one of them with errors.Is, and its message says which check failed.
var (
	// ErrInvalid means the token failed a check: malformed, wrong algorithm,
	// bad signature, wrong issuer or audience, unknown key, and so on.
	// A bearer API answers 401 invalid_token.
	ErrInvalid = errors.New("invalid token")

	// ErrExpired means the token was authentic but its exp (plus leeway) has
	// passed. Errors that match ErrExpired also match ErrInvalid.
	ErrExpired = errors.New("token expired")

	// ErrUnavailable means the issuer's keys or metadata could not be
	// fetched, or a DPoPConfig.ReplayRecord failed, so the token or proof
	// could not be judged either way. A bearer API answers 503, never 401:
	// the client did nothing wrong.
	ErrUnavailable = errors.New("issuer unavailable")

	// ErrMetadata means a provider's discovery document was unusable: not
	// JSON, its issuer differs from the configured one, or an endpoint is
	// not https.
	ErrMetadata = errors.New("invalid provider metadata")
)

// checkError is a failed check: a fixed message plus the sentinels it matches,
// and the short word an Observer gets as the Event's Reason (reason.go). The
// messages are fixed strings so the rejection path allocates nothing.
type checkError struct {
	msg    string
	reason string
	kind   []error
}

func (e *checkError) Error() string   { return e.msg }
func (e *checkError) Unwrap() []error { return e.kind }

// invalid is a failed check matching ErrInvalid; reason is its Event Reason.
func invalid(reason, msg string) error {
	return &checkError{msg: "invalid token: " + msg, reason: reason, kind: []error{ErrInvalid}}
}

// Pre-built rejections: one value per failed check.
var (
	errTooLarge     = invalid("too_large", "larger than the configured maximum size")
	errJWE          = invalid("malformed", "encrypted JWTs (JWE) are not accepted")
	errSegments     = invalid("malformed", "not a compact JWS (header.payload.signature)")
	errUnsigned     = invalid("malformed", "unsigned token (empty signature)")
	errHeaderB64    = invalid("malformed", "header is not base64url")
	errHeaderJSON   = invalid("malformed", "header is not a JSON object")
	errPayloadB64   = invalid("malformed", "payload is not base64url")
	errPayloadJSON  = invalid("malformed", "payload is not a JSON claims object")
	errSigB64       = invalid("malformed", "signature is not base64url")
	errAlgNone      = invalid("algorithm", `alg "none" is never accepted`)
	errAlg          = invalid("algorithm", "alg is not in the allowed list")
	errCrit         = invalid("header", "crit header names an extension this verifier does not understand")
	errB64          = invalid("header", "unencoded payloads (b64:false) are not accepted")
	errType         = invalid("type", "typ header does not match the required type")
	errIssuer       = invalid("issuer", "iss is not a trusted issuer")
	errNoKey        = invalid("unknown_key", "no key in the issuer's key set matches the token's kid and alg")
	errSignature    = invalid("signature", "signature does not verify")
	errNoExp        = invalid("missing_claim", "exp claim is missing")
	errNotYet       = invalid("not_yet_valid", "nbf is in the future")
	errIatFuture    = invalid("not_yet_valid", "iat is in the future")
	errNoIat        = invalid("missing_claim", "iat claim is missing")
	errAudience     = invalid("audience", "aud does not contain an accepted audience")
	errNoSub        = invalid("missing_claim", "sub claim is missing")
	errNonce        = invalid("nonce", "nonce does not match the one sent with the login request")
	errAzp          = invalid("azp", "azp is not this client")
	errAtHash       = invalid("at_hash", "at_hash does not match the access token")
	errSubChanged   = invalid("subject_changed", "the refreshed ID token names another subject")
	errClaimRange   = invalid("malformed", "a time claim is out of range")
	errExpiredToken = &checkError{msg: "token expired: exp is in the past", reason: "expired", kind: []error{ErrExpired, ErrInvalid}}
)
