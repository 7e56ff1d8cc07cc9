package login

import "net/url"

// maxReturnTo bounds the length of a return_to path.
const maxReturnTo = 2048

// SafeReturnTo reports whether s is a same-origin relative path that is safe
// to redirect to after login, and returns it ("/" for an empty s). It refuses
// anything a browser could read as another origin: absolute URLs and
// schemes, "//host", "/\host", backslashes, control characters (browsers drop
// tabs and newlines, so "/\t/host" becomes "//host"), and each of these
// hidden under percent-encoding.
func SafeReturnTo(s string) (string, bool) {
	if s == "" {
		return "/", true
	}
	if len(s) > maxReturnTo {
		return "", false
	}
	cur := s
	for range 3 {
		if !safePath(cur) {
			return "", false
		}
		dec, err := url.PathUnescape(cur)
		if err != nil {
			return "", false
		}
		if dec == cur {
			break
		}
		cur = dec
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	return s, true
}

// safePath checks one decoding level of a return_to value.
func safePath(s string) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	// No scheme can hide here: s starts with "/", so a browser reads a
	// colon in it as part of the path ("/javascript:x" is a path).
	return true
}
