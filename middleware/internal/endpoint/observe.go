package endpoint

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// oauthCodes are the error codes of RFC 6749 (§4.1.2.1, §5.2), RFC 8707,
// RFC 9449 and OpenID Connect Core §3.1.2.6: the Reasons a provider's
// refusal may carry. Any other code a provider sends is "provider_error", so
// a Reason stays one of a fixed set.
var oauthCodes = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "invalid_scope", "invalid_target", "invalid_dpop_proof", "use_dpop_nonce",
	"access_denied", "unsupported_response_type", "server_error", "temporarily_unavailable",
	"interaction_required", "login_required", "account_selection_required", "consent_required",
	"invalid_request_uri", "invalid_request_object", "request_not_supported", "request_uri_not_supported",
	"registration_not_supported"}

// KnownCode is code when it is one of the OAuth and OpenID Connect error
// codes, else "provider_error": a provider's code made fit for a Reason.
func KnownCode(code string) string {
	if slices.Contains(oauthCodes, code) {
		return code
	}
	return "provider_error"
}

// Outcome is what an Observer is told of a call to a provider's token
// endpoint that returned err: OK; Refused with the OAuth error code when the
// provider refused (a 4xx answer), or "token_rejected" when its answer
// failed a check (token_type, the refreshed ID token, AfterRefresh); Failed
// "unavailable" when it answered
// 5xx, server_error or temporarily_unavailable, "unreachable" when no answer
// came in time, "bad_answer" for an answer the protocol does not allow, and
// "error" for a failure of the application's own (persisting a rotated
// refresh token).
func Outcome(err error) (observe.Outcome, string) {
	var pe *verify.ProviderError
	var ne net.Error
	switch {
	case err == nil:
		return observe.OK, ""
	case errors.As(err, &pe):
		switch {
		case pe.Status >= http.StatusInternalServerError, pe.Code == "server_error", pe.Code == "temporarily_unavailable":
			return observe.Failed, "unavailable"
		}
		return observe.Refused, KnownCode(pe.Code)
	case errors.Is(err, ErrTokenRejected):
		return observe.Refused, "token_rejected"
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return observe.Failed, "unreachable"
	case errors.Is(err, verify.ErrProvider):
		return observe.Failed, "bad_answer"
	}
	return observe.Failed, "error"
}
