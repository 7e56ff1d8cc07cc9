package login

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// Logout (POST) ends the session: it deletes it (its ID stays deny-listed,
// so a copy of the cookie no longer works), revokes the refresh token at the
// provider's revocation endpoint (RFC 7009) when there is one, and sends the
// browser to the provider's end_session_endpoint (RP-initiated logout) with
// id_token_hint, post_logout_redirect_uri and a one-time state (checked on
// return by LoggedOut), or else to
// PostLogoutRedirectURL. Cross-site POSTs are refused (Sec-Fetch-Site,
// Origin), so another site cannot log the user out.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request) {
	r = a.step(r, observe.Logout)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		a.fail(w, r, &AuthError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: "Sign out with a POST request (a form button)."})
		return
	}
	if !a.sameOrigin(r) {
		a.fail(w, r, &AuthError{Status: http.StatusForbidden, Code: "cross_site_request",
			Message: "Sign-out requests must come from this site."})
		return
	}
	s, err := a.c.Sessions.Load(r)
	if err != nil && !errors.Is(err, session.ErrNoSession) {
		a.storeFailed(w, r, err)
		return
	}
	if err := a.c.Sessions.Delete(w, r); err != nil {
		a.storeFailed(w, r, err)
		return
	}
	target := a.absolute(r, a.c.PostLogoutRedirectURL)
	if s != nil {
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "gatehouse: logout", attrSub(s))
		if s.RefreshToken != "" && a.md.RevocationEndpoint != "" && s.Provider == a.c.Name {
			if err := a.revoke(r.Context(), s.RefreshToken); err != nil {
				a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: revoking the refresh token failed; the local session is ended anyway",
					attrSub(s), slog.Any("error", err))
			}
		}
		if a.md.EndSessionEndpoint != "" && s.Provider == a.c.Name {
			q := url.Values{"client_id": {a.c.ClientID}, "post_logout_redirect_uri": {target}}
			if s.IDToken != "" {
				q.Set("id_token_hint", s.IDToken)
			}
			if st, err := a.logoutState(w, r); err == nil {
				q.Set("state", st)
			} else {
				a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: logout without state", slog.Any("error", err))
			}
			sep := "?"
			if strings.Contains(a.md.EndSessionEndpoint, "?") {
				sep = "&"
			}
			target = a.md.EndSessionEndpoint + sep + q.Encode()
		}
	}
	a.report(r.Context(), observe.Event{Kind: observe.Logout, Outcome: observe.OK})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// sameOrigin refuses requests a browser marks as cross-site.
func (a *Auth) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		return strings.EqualFold(o, a.origin(r))
	}
	return true
}

// absolute completes a path into a URL on the request's origin.
func (a *Auth) absolute(r *http.Request, u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return a.origin(r) + u
	}
	return u
}

// revoke asks the provider to revoke a refresh token (RFC 7009).
func (a *Auth) revoke(ctx context.Context, token string) error {
	form := url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}
	resp, err := a.postAuthenticated(ctx, a.md.RevocationEndpoint, form)
	if err != nil {
		return unwrapURL(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return &verify.ProviderError{Status: resp.StatusCode, Code: "revocation_failed"}
	}
	return nil
}

// unwrapURL drops *url.Error's wrapping, whose message repeats the URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// isTimeout reports a network timeout.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
