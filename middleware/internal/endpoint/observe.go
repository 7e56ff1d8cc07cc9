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

// oauthCodes are the error codes of RFC 6749 §5.2, the Reasons a refusal by
// the token endpoint may carry: any other code a provider sends is
// "provider_error", so a Reason stays one of a fixed set.
var oauthCodes = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "invalid_scope", "invalid_target", "invalid_dpop_proof", "use_dpop_nonce"}

// Outcome is what an Observer is told of a call to a provider's token
// endpoint that returned err: OK; Refused with the OAuth error code when the
// provider refused (a 4xx answer); Failed "unavailable" when it answered
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
		case slices.Contains(oauthCodes, pe.Code):
			return observe.Refused, pe.Code
		}
		return observe.Refused, "provider_error"
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return observe.Failed, "unreachable"
	case errors.Is(err, verify.ErrProvider):
		return observe.Failed, "bad_answer"
	}
	return observe.Failed, "error"
}
