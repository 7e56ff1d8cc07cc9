package bearer

import (
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/verify"
)

// RequireScope returns middleware, for routes behind Protect or New, that answers 403
// insufficient_scope (RFC 6750 §3.1) unless the token grants every scope
// given. A request that went through no Bearer gets 401.
func RequireScope(scopes ...string) func(http.Handler) http.Handler {
	need := strings.Join(scopes, " ")
	return RequireToken(func(t *verify.Token) bool { return !missingScopes(t, scopes) }, need)
}

// RequireToken returns middleware, for routes behind Protect or New, that answers 403
// insufficient_scope unless ok(token) is true: for claim-based rules such as
// group membership or a tenant ID. scope, when not empty, is advertised in the
// challenge as the scope that would be enough.
func RequireToken(ok func(*verify.Token) bool, scope string) func(http.Handler) http.Handler {
	scope = quotable(scope)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, _ := r.Context().Value(tokenCtx).(*tokenValue)
			var e *Error
			switch {
			case v == nil || v.t == nil:
				e = &Error{Status: http.StatusUnauthorized, Description: "a bearer token is required"}
			case !ok(v.t):
				e = &Error{Status: http.StatusForbidden, Code: "insufficient_scope",
					Description: "the token does not grant access to this resource", Scope: scope}
			default:
				next.ServeHTTP(w, r)
				return
			}
			b := defaultBearer
			if v != nil && v.b != nil {
				b = v.b
			}
			b.refuse(w, r, e)
		})
	}
}

// defaultBearer answers for RequireScope when no Bearer stored its own.
var defaultBearer = &bearer{Config: Config{Realm: "api", ErrorResponder: WriteError}}
