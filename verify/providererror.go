package verify

import (
	"errors"
	"fmt"
)

// ErrProvider matches every failure of a provider endpoint that Gatehouse
// calls as a client (token, userinfo, revocation, pushed authorization
// requests): an error answer (a *ProviderError), an unreachable endpoint, or
// an answer that is not what the protocol says.
var ErrProvider = errors.New("identity provider error")

// ProviderError is an error answer of a provider endpoint (RFC 6749 §5.2):
// its error code, description and URI, never its raw body.
type ProviderError struct {
	Status      int    // HTTP status of the answer (0 when unknown)
	Code        string // "error", e.g. invalid_grant
	Description string // "error_description", as received (redacted before it is returned)
	URI         string // "error_uri"
}

// Error describes the provider's answer: status, code and description.
func (e *ProviderError) Error() string {
	s := fmt.Sprintf("provider answered %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is makes every ProviderError match ErrProvider.
func (e *ProviderError) Is(target error) bool { return target == ErrProvider }
