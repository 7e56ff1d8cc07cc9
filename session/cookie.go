package session

import (
	"net"
	"net/http"
	"strings"

	"github.com/gorilla/sessions"
)

// secure reports whether cookies for r must be Secure: always, except plain
// http to a loopback host (local development). A request that a proxy
// says arrived over https (X-Forwarded-Proto or Forwarded) is secure even
// when the proxy reached us as "localhost": trusting these headers can only
// make cookies stricter, never weaker.
func secure(r *http.Request) bool {
	if r.TLS != nil || forwardedHTTPS(r.Header) {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

// forwardedHTTPS reports a proxy header saying the client used https.
func forwardedHTTPS(h http.Header) bool {
	if p, _, _ := strings.Cut(h.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		return true
	}
	f := h.Get("Forwarded")
	return f != "" && strings.Contains(strings.ToLower(f), "proto=https")
}

// isSecure is the Secure attribute of a cookie with opts for r: set by
// Options.Secure or by the request.
func isSecure(r *http.Request, opts *sessions.Options) bool {
	return opts.Secure || secure(r)
}

// CookieName is the name a session cookie called name gets for r: with the
// "__Host-" prefix when the cookie is Secure, at Path "/" and without
// Domain, "__Secure-" when it is Secure otherwise. Stores other than
// CookieStore use it to name cookies alike.
func CookieName(r *http.Request, name string, opts *sessions.Options) string {
	return cookieName(r, name, opts)
}

// NewCookie builds a cookie with the safe attributes forced on: HttpOnly,
// SameSite Lax unless set otherwise (never None without Secure), and Secure
// when Options.Secure is set or r is not plain http to a loopback host.
func NewCookie(r *http.Request, name, value string, opts *sessions.Options) *http.Cookie {
	return newCookie(r, name, value, opts)
}

// cookieName adds the prefix browsers enforce for the cookie's attributes.
func cookieName(r *http.Request, name string, opts *sessions.Options) string {
	switch {
	case !isSecure(r, opts):
		return name
	case opts.Path == "/" && opts.Domain == "":
		return "__Host-" + name
	default:
		return "__Secure-" + name
	}
}

// newCookie builds a cookie with the safe attributes forced on.
func newCookie(r *http.Request, name, value string, opts *sessions.Options) *http.Cookie {
	c := sessions.NewCookie(name, value, opts)
	c.HttpOnly = true
	c.Secure = isSecure(r, opts)
	if c.SameSite == http.SameSiteDefaultMode || c.SameSite == 0 || c.SameSite == http.SameSiteNoneMode && !c.Secure {
		c.SameSite = http.SameSiteLaxMode
	}
	return c
}
