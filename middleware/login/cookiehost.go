package login

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Why a callback finds no login flow, told apart so that the page and the
// log name the cause: the login flow's cookie is host-only ("__Host-") and
// Secure, so a browser keeps it from a callback on another host name
// (localhost and 127.0.0.1 are two) and drops it on plain http away from
// loopback.

// noFlow answers a callback whose state matches no login flow of this
// browser. A browser already signed in that opens the callback again (the
// Back button, a reload) is sent on to "/": its code is never exchanged
// again. Otherwise a request that brought no flow cookie at all is told
// apart from one whose flow cookies are for other states.
func (a *Auth) noFlow(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, session.ErrNoFlow) {
		if s, lerr := a.c.Sessions.Load(r); lerr == nil {
			a.log.LogAttrs(r.Context(), slog.LevelInfo, "gatehouse: callback opened again by a signed-in browser (Back or reload): sent to /, no code exchanged",
				attrSub(s))
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
	}
	if errors.Is(err, session.ErrNoFlowCookie) {
		a.fail(w, r, a.noCookieError(r))
		return
	}
	if err == nil || errors.Is(err, session.ErrNoFlow) {
		err = fmt.Errorf("%w: flow cookies arrived, none for this state", ErrLoginState)
	}
	a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_state",
		Message: "This sign-in attempt is not one this browser has pending: it expired (after 10 minutes), was already used, or was replaced by newer sign-ins in other tabs. Please sign in again.",
		Err:     err})
}

// noCookieError explains a callback that brought no login flow cookie:
// which host it reached, the host of RedirectURL, that cookies are per host,
// and whether the Secure cookie was dropped on plain http.
func (a *Auth) noCookieError(r *http.Request) *AuthError {
	scheme, host := a.seen(r)
	msg := fmt.Sprintf("Your browser sent no sign-in cookie to %s. Cookies belong to one host name: a sign-in started on another (localhost and 127.0.0.1 are two) keeps its cookie there", host)
	if want := a.redirectHost(); want != "" && !strings.EqualFold(want, host) {
		msg += fmt.Sprintf(", and the sign-in should come back to %s (the redirect URL), not %s", want, host)
	} else {
		msg += fmt.Sprintf("; start it from %s://%s/", scheme, host)
	}
	msg += "."
	if insecure(scheme, host) {
		msg += fmt.Sprintf(" This page was reached over plain http on %s, which is not a loopback address: browsers drop the sign-in cookie there because it is Secure. Serve the site over https.", host)
	}
	msg += " The same happens to a sign-in started in another browser or over 10 minutes ago."
	return &AuthError{Status: http.StatusBadRequest, Code: "login_cookie_missing", Message: msg,
		Err: fmt.Errorf("%w: %w: callback reached on %s://%s, redirect URL host %q, %d other cookies",
			ErrLoginState, session.ErrNoFlowCookie, scheme, host, a.redirectHost(), len(r.Cookies()))}
}

// warnCookieHost logs, as a login starts, what will keep its flow cookie
// from the callback: a host other than RedirectURL's, or plain http away
// from loopback.
func (a *Auth) warnCookieHost(r *http.Request) {
	scheme, host := a.seen(r)
	if want := a.redirectHost(); want != "" && !strings.EqualFold(want, host) {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: login started on "+host+" but the redirect URL is on "+want+
			": cookies are per host, so the callback will not see this login's cookie; open the site at "+want+
			" (or, behind a proxy that rewrites Host, set TrustForwardedHeaders)",
			slog.String("host", host), slog.String("redirect_host", want))
	}
	if insecure(scheme, host) {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: login started over plain http on "+host+
			", not a loopback address: browsers drop its Secure cookie; serve https (behind a TLS proxy, set TrustForwardedHeaders)",
			slog.String("host", host))
	}
}

// seen is the scheme and host the browser used, as far as the request
// tells: for these diagnostics only, forwarded headers are believed even
// without TrustForwardedHeaders (a TLS proxy in front is no mistake).
func (a *Auth) seen(r *http.Request) (scheme, host string) {
	u, err := url.Parse(a.origin(r))
	if err != nil {
		return "http", endpoint.Printable(r.Host, 255)
	}
	scheme, host = u.Scheme, u.Host
	if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "https" || strings.Contains(strings.ToLower(r.Header.Get("Forwarded")), "proto=https") {
		scheme = "https"
	}
	if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" && strings.EqualFold(h, a.redirectHost()) {
		host = h
	}
	return scheme, endpoint.Printable(host, 255)
}

// redirectHost is the host (and port) of an absolute RedirectURL, or "".
func (a *Auth) redirectHost() string {
	u, err := url.Parse(a.c.RedirectURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// insecure reports whether browsers drop Secure cookies at scheme://host:
// plain http away from loopback.
func insecure(scheme, host string) bool {
	if scheme != "http" {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return !verify.IsLoopback(strings.Trim(host, "[]"))
}
