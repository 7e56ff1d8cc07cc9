package session

import (
	"net/http"
	"strings"
)

// maxCookies is net/http's default bound on the cookies of one request
// (GODEBUG httpcookiemaxnum): a request with more has none.
const maxCookies = 3000

// eachCookie calls fn with the name and value of every valid cookie in the
// request's Cookie headers whose name want accepts, in order: what
// (*http.Request).Cookies returns, without building a Cookie for each and
// without checking the values of cookies nobody wants, since reading a
// session looks at a few names only (FuzzEachCookie holds the two to the
// same answers). It stops when fn returns false.
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
			val, ok := cookieValue(val)
			if !ok {
				continue
			}
			if !fn(name, val) {
				return
			}
		}
	}
}

// cookieValue is a cookie value with its double quotes removed, and false
// when it holds a byte no cookie value may.
func cookieValue(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		if !cookieValueByte[raw[i]] {
			return "", false
		}
	}
	return raw, true
}

// cookieValueByte is the bytes a cookie value may hold, as net/http reads
// them: printable ASCII and space, less '"', ';' and '\\'.
var cookieValueByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != ';' && b != '\\'
	}
	return t
}()

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
