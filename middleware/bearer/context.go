package bearer

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/verify"
)

// tokenKey is the context key of the verified bearer token.
type tokenKey struct{}

var tokenCtx = &tokenKey{}

// tokenValue is what Bearer stores: the token, and the Bearer that accepted
// it so that RequireScope answers with the same realm and responder.
type tokenValue struct {
	t      *verify.Token
	b      *bearer
	claims any // *T decoded with t by NewFor[T], or nil
}

// Token returns the verified bearer token that Bearer put in the request
// context.
func Token(ctx context.Context) (*verify.Token, bool) {
	v, ok := ctx.Value(tokenCtx).(*tokenValue)
	if !ok || v.t == nil {
		return nil, false
	}
	return v.t, true
}

// ErrNoToken is returned by Claims when the request went through no bearer middleware.
var ErrNoToken = errors.New("bearer: no verified token in the request context (is the route behind bearer.Protect or bearer.New?)")

// Claims decodes the claims of the request's verified bearer token into a
// value of the caller's type:
//
//	type myClaims struct {
//		Email  string   `json:"email"`
//		Groups []string `json:"groups"`
//	}
//	c, err := bearer.Claims[myClaims](r)
//
// Behind NewFor[T] it returns the claims decoded at verification,
// without decoding again.
func Claims[T any](r *http.Request) (T, error) {
	var v T
	if tv, ok := r.Context().Value(tokenCtx).(*tokenValue); ok {
		if app, ok := tv.claims.(*T); ok {
			return *app, nil
		}
	}
	t, ok := Token(r.Context())
	if !ok {
		return v, ErrNoToken
	}
	err := t.Claims(&v)
	return v, err
}
