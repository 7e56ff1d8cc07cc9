package stores

import (
	"net/http"

	"github.com/gorilla/sessions"
)

// Every cookie of Gatehouse's stores is Secure, whatever the request looks
// like: the decision is never taken from a request's Host header, its TLS
// state or X-Forwarded-Proto, which a proxy chooses (nginx's proxy_pass to
// 127.0.0.1 sends "Host: 127.0.0.1" for an https site) and an attacker can
// forge. Plain-http development still works on a loopback address:
// browsers and Go's cookiejar treat http://localhost and 127.0.0.1 as
// secure origins for Secure cookies.

// CookieName is the name a session cookie called name gets: with the
// "__Host-" prefix at Path "/" without Domain (browsers then bind it to the
// exact host), "__Secure-" otherwise.
func CookieName(name string, opts *sessions.Options) string {
	if opts.Path == "/" && opts.Domain == "" {
		return "__Host-" + name
	}
	return "__Secure-" + name
}

// NewCookie builds a cookie with the safe attributes forced on: Secure,
// HttpOnly, and SameSite Lax unless opts ask for Strict or None.
func NewCookie(name, value string, opts *sessions.Options) *http.Cookie {
	c := sessions.NewCookie(name, value, opts)
	c.HttpOnly = true
	c.Secure = true
	if c.SameSite == http.SameSiteDefaultMode || c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	return c
}
