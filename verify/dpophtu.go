package verify

import (
	"net"
	"net/url"
	"strings"
)

// sameHTU reports whether a proof's htu names the request URI uri, both
// normalised as RFC 9449 §4.3 asks (RFC 3986 §6.2.2 and §6.2.3): scheme
// and host compared without case, the scheme's default port dropped, an
// empty path taken as "/", percent-encodings of unreserved characters
// decoded and the others upper-cased; query and fragment ignored. An htu
// that is not an absolute http(s) URI, or that holds user information,
// matches nothing. Dot segments are not resolved: a client sends the path it
// requested.
func sameHTU(htu, uri string) bool {
	if a, b := withoutQuery(htu), withoutQuery(uri); a == b && plainHTTP(a) {
		return true // the usual case: the client sent the URI as it is
	}
	a, ok1 := normalizeHTU(htu)
	b, ok2 := normalizeHTU(uri)
	return ok1 && ok2 && a == b
}

// normalizeHTU returns the comparable form of an http(s) URI.
func normalizeHTU(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if scheme != "http" && scheme != "https" || host == "" {
		return "", false
	}
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	path, ok := normalizePercent(u.EscapedPath())
	if !ok {
		return "", false
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// normalizePercent decodes the percent-encodings of unreserved characters
// (RFC 3986 §2.3) and upper-cases the hex digits of the others.
func normalizePercent(p string) (string, bool) {
	if !strings.Contains(p, "%") {
		return p, true
	}
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			sb.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", false
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			sb.WriteByte(c)
		} else {
			sb.WriteString("%" + strings.ToUpper(p[i+1:i+3]))
		}
		i += 2
	}
	return sb.String(), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// withoutQuery cuts a URI at its query or fragment.
func withoutQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// plainHTTP reports whether u is already in normal form: an http(s) URI
// with a lower-case host, a path, and no user information, port, percent
// sign, IPv6 literal or upper-case letter before the path.
func plainHTTP(u string) bool {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return false
		}
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 || strings.Contains(rest, "%") {
		return false
	}
	for i := 0; i < slash; i++ {
		if c := rest[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
