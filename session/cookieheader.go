package session

import (
	"net/http"
	"strings"
)

// maxCookies is net/http's default bound on the cookies of one request
// (GODEBUG httpcookiemaxnum): a request with more has none.
const maxCookies = 3000

// eachCookie calls fn with the name and value (double quotes removed) of
// every cookie in the request's Cookie headers whose name want accepts, in
// order, as (*http.Request).Cookies splits them, without building a Cookie
// for each, since reading a session looks at a few names only. It does not
// check the values' bytes: net/http would skip a cookie whose value holds a
// byte no cookie may, where eachCookie hands it to fn. The session's chunks
// are base64url, whose decoding refuses any such byte, so checking them
// twice would only cost a scan of every byte of the session. FuzzEachCookie
// holds eachCookie, less the values net/http refuses, to net/http's
// answers. It stops when fn returns false.
func eachCookie(h http.Header, want func(name string) bool, fn func(name, value string) bool) {
	lines := h["Cookie"]
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		return
	}
	for _, line := range lines {
		line = trimOWS(line)
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = trimOWS(part)
			if part == "" {
				continue
			}
			name, val, _ := strings.Cut(part, "=")
			name = trimOWS(name)
			if !want(name) || !isToken(name) {
				continue
			}
			if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !fn(name, val) {
				return
			}
		}
	}
}

// trimOWS trims the spaces and tabs HTTP allows around a value.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports an RFC 7230 token, what a cookie name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
