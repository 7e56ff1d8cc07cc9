package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// sessionKey is the context key of the signed-in session.
type sessionKey struct{}

var sessionCtx = &sessionKey{}

// Session returns the signed-in session that Require or Optional put in the
// request context.
func Session(ctx context.Context) (*session.Session, bool) {
	s, ok := ctx.Value(sessionCtx).(*session.Session)
	return s, ok && s != nil
}

// Require lets a request through only with a session. Without one, browsers
// (Accept: text/html, GET or HEAD) are redirected into Login with the
// current path as return_to; other requests get 401 JSON. An access token
// close to expiry is refreshed before the handler runs; a refresh the
// provider refuses ends the session (the user signs in again). A session
// store failure answers 503, never "signed out".
func (a *Auth) Require(next http.Handler) http.Handler { return a.guard(next, true) }

// Optional is Require without the refusal: the handler runs either way, with
// the session in the context when there is one.
func (a *Auth) Optional(next http.Handler) http.Handler { return a.guard(next, false) }

func (a *Auth) guard(next http.Handler, required bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := a.c.Sessions.Load(r)
		switch {
		case errors.Is(err, session.ErrNoSession):
			s = nil
		case err != nil:
			a.failHere(w, r, storeError(err))
			return
		default:
			s, err = a.fresh(w, r, s)
			if err != nil {
				a.failHere(w, r, asAuthError(err))
				return
			}
		}
		if s == nil {
			if required {
				a.unauthenticated(w, r)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionCtx, s)))
	})
}

// fresh refreshes s when its access token is close to expiry, and keeps the
// idle timer running. It returns nil (no error) when the session has ended.
func (a *Auth) fresh(w http.ResponseWriter, r *http.Request, s *session.Session) (*session.Session, error) {
	if !a.needsRefresh(s) {
		if a.c.Sessions.Touch(s) {
			if err := a.c.Sessions.Save(w, r, s); errors.Is(err, session.ErrNoSession) {
				return nil, nil // ended meanwhile (a logout elsewhere)
			} else if err != nil {
				return nil, storeError(err)
			}
		}
		return s, nil
	}
	ns, err := a.refreshShared(r.Context(), r, s)
	var pe *verify.ProviderError
	switch {
	case err == nil:
		// Saved even when the browser has gone: a cookie store's cookie
		// then never arrives, and the next request is served the same
		// result (refreshShared's grace).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), a.client.Timeout)
		defer cancel()
		if err := a.c.Sessions.Save(w, r.WithContext(ctx), ns); errors.Is(err, session.ErrNoSession) {
			return nil, nil // ended meanwhile (a logout elsewhere)
		} else if err != nil {
			return nil, storeError(err)
		}
		return ns, nil
	case r.Context().Err() != nil:
		// The browser left; the refresh goes on without it.
		return s, nil
	case errors.Is(err, ErrSessionStore):
		return nil, err
	case errors.As(err, &pe) && pe.Status >= 400 && pe.Status < 500, errors.Is(err, endpoint.ErrTokenRejected):
		// The provider refused the grant (invalid_grant: revoked, reused,
		// expired): end the session.
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "gatehouse: refresh refused, session ended", attrSub(s), slog.Any("error", err))
		if derr := a.c.Sessions.Delete(w, r); derr != nil {
			return nil, storeError(derr)
		}
		return nil, nil
	case a.c.Now().Before(s.Expiry):
		// The provider is unreachable but the token still works: go on.
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: refresh failed, using the current token", attrSub(s), slog.Any("error", err))
		return s, nil
	default:
		return nil, &AuthError{Status: http.StatusServiceUnavailable, Code: "provider_unavailable",
			Message: "The identity provider is unavailable; please try again shortly.", Err: err}
	}
}

// needsRefresh reports whether s's access token is due for a refresh: its
// provider is this Auth's, it has a refresh token, and the renewal time has passed.
func (a *Auth) needsRefresh(s *session.Session) bool {
	return s.Provider == a.c.Name && s.RefreshToken != "" && !s.Expiry.IsZero() &&
		!a.c.Now().Before(endpoint.RenewAt(s.Issued, s.Expiry, a.c.RefreshMargin))
}

// unauthenticated answers a request that needs a session and has none.
func (a *Auth) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if wantsHTML(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, a.loginURL(r.URL.RequestURI()), http.StatusFound)
		return
	}
	endpoint.WriteJSONError(w, http.StatusUnauthorized, "login_required", "sign in first")
}

// loginURL is the login path, with returnTo as its return_to when that is
// a safe path other than "/".
func (a *Auth) loginURL(returnTo string) string {
	if rt, ok := SafeReturnTo(returnTo); ok && rt != "/" {
		return a.c.LoginPath + "?return_to=" + url.QueryEscape(rt)
	}
	return a.c.LoginPath
}

func (a *Auth) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	a.fail(w, r, storeError(err))
}

// failHere answers a failure of Require or Optional: "Try again" loads the
// same page again when it was a GET or HEAD of a path.
func (a *Auth) failHere(w http.ResponseWriter, r *http.Request, e *AuthError) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if here, ok := SafeReturnTo(r.URL.RequestURI()); ok {
			e.Retry = here
		}
	}
	a.fail(w, r, e)
}

// asAuthError is err as the *AuthError the responder is given: the one it
// wraps, or a 500 that carries it (for logs only).
func asAuthError(err error) *AuthError {
	var e *AuthError
	if errors.As(err, &e) {
		return e
	}
	return &AuthError{Status: http.StatusInternalServerError, Code: "server_error", Message: "Something went wrong; please try again.", Err: err}
}

// storeError is a session store failure as the 503 it answers.
func storeError(err error) *AuthError {
	return &AuthError{Status: http.StatusServiceUnavailable, Code: "session_unavailable",
		Message: "Sessions are unavailable right now; please try again shortly.", Err: fmt.Errorf("%w: %w", ErrSessionStore, err)}
}

// attrSub logs which user, by subject only.
func attrSub(s *session.Session) slog.Attr {
	return slog.Group("user", slog.String("sub", s.Subject), slog.String("provider", s.Provider))
}
