package verify

import (
	"context"
	"errors"
	"strings"
)

// TokenVerifier checks an access token and returns what it grants. A
// *Verifier (JWTs checked locally), an *Introspector (RFC 7662) and Either's
// combination are TokenVerifiers; bearer.Protect takes any of them.
// Errors match ErrInvalid, ErrExpired or ErrUnavailable.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Token, error)
}

// Either returns a TokenVerifier that sends JWT-shaped tokens (three
// dot-separated parts, or five for an encrypted JWT, which jwt then refuses)
// to jwt and every other token to opaque: typically a *Verifier for the
// provider's JWT access tokens and an *Introspector for the rest. A token
// jwt refuses is refused; it is never tried with opaque.
func Either(jwt, opaque TokenVerifier) (TokenVerifier, error) {
	if jwt == nil || opaque == nil {
		return nil, errors.New("verify: Either needs two verifiers")
	}
	return either{jwt: jwt, opaque: opaque}, nil
}

type either struct{ jwt, opaque TokenVerifier }

func (e either) Verify(ctx context.Context, raw string) (*Token, error) {
	if n := strings.Count(raw, "."); n == 2 || n == 4 {
		return e.jwt.Verify(ctx, raw)
	}
	return e.opaque.Verify(ctx, raw)
}
