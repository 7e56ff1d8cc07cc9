package endpoint

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-go/gatehouse/verify"
)

// redacted replaces every spelling of the client secret a provider echoed.
const redacted = "[redacted]"

// Redact cleans the provider-supplied text of a ProviderError for logs and
// for the application: the client secret (and any other secret given, such
// as a token being exchanged) is removed in every spelling a provider may
// echo it in (see scrub), control and non-ASCII characters are dropped, and
// each field is capped (code 64 characters, description and URI 256). Other
// errors are returned as they are.
func Redact(err error, secrets ...string) error {
	var pe *verify.ProviderError
	if !errors.As(err, &pe) {
		return err
	}
	cp := *pe
	cp.Code = cleanText(pe.Code, secrets, 64)
	cp.Description = cleanText(pe.Description, secrets, 256)
	cp.URI = cleanText(pe.URI, secrets, 256)
	return &cp
}

// cleanText scrubs the secrets from s before and after dropping unprintable
// characters (which could otherwise join the pieces of a secret), then caps
// the result at n characters: the cap comes last, so it never leaves the
// head of a secret behind.
func cleanText(s string, secrets []string, n int) string {
	scrubAll := func(s string) string {
		for _, secret := range secrets {
			s = scrub(s, secret)
		}
		return s
	}
	return Printable(scrubAll(Printable(scrubAll(s), len(s))), n)
}

// scrub replaces secret in s, written in any mix of these spellings of its
// characters: as itself, percent-encoded (either hex case, or twice as
// %25XX), "+" for a space (form encoding), or JSON-escaped (\uXXXX, \", \\,
// \/, \b, \f, \n, \r, \t). A run of base64 (standard or URL alphabet, padded
// or not, at any alignment) that decodes to text holding secret in any of
// those spellings is replaced whole: that is how an echoed
// "Authorization: Basic base64(client_id:secret)" header looks.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	var b strings.Builder
	checked := 0 // the base64 run up to here did not hold the secret
	for i := 0; i < len(s); {
		if n := secretAt(s, i, secret); n > 0 {
			b.WriteString(redacted)
			i += n
			continue
		}
		if i >= checked {
			if n := base64Run(s[i:]); n > 0 {
				if decodesToSecret(s[i:i+n], secret) {
					b.WriteString(redacted)
					i += n
					continue
				}
				checked = i + n // its characters are still searched one by one
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// secretAt returns the length of the longest spelling of secret starting
// at s[i], or 0 when none starts there. A character may be spelled several
// ways at once ("\\" is a backslash, or the escape of one), so every
// reachable end is followed.
func secretAt(s string, i int, secret string) int {
	if spellings(s, i, secret[0]) == [2]int{} {
		return 0 // most positions: no allocation
	}
	ends := []int{i}
	var next []int
	for k := 0; k < len(secret) && len(ends) > 0; k++ {
		next = next[:0]
		for _, j := range ends {
			for _, n := range spellings(s, j, secret[k]) {
				if n > 0 && !slices.Contains(next, j+n) {
					next = append(next, j+n)
				}
			}
		}
		ends, next = next, ends
	}
	if len(ends) == 0 {
		return 0
	}
	return slices.Max(ends) - i
}

// spellings returns the lengths of the spellings of byte c that start at
// s[j] (zeros where there are fewer): c itself, "+" for a space, %XX or
// %25XX, or a JSON escape.
func spellings(s string, j int, c byte) (n [2]int) {
	if j >= len(s) {
		return n
	}
	if s[j] == c || s[j] == '+' && c == ' ' {
		n[0] = 1
	}
	switch s[j] {
	case '%':
		if h, ok := hexAt(s, j+1, 2); ok && byte(h) == c {
			n[1] = 3
		} else if strings.HasPrefix(s[j+1:], "25") {
			if h, ok := hexAt(s, j+3, 2); ok && byte(h) == c {
				n[1] = 5
			}
		}
	case '\\':
		if j+1 >= len(s) {
			break
		}
		switch e := s[j+1]; e {
		case 'u':
			if h, ok := hexAt(s, j+2, 4); ok && h == rune(c) {
				n[1] = 6
			}
		case '"', '\\', '/':
			if e == c {
				n[1] = 2
			}
		default:
			if i := strings.IndexByte("bfnrt", e); i >= 0 && "\b\f\n\r\t"[i] == c {
				n[1] = 2
			}
		}
	}
	return n
}

// hexAt parses n hex digits at s[i:].
func hexAt(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(s[i : i+n]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// base64Run returns the length of the run of base64 characters (either
// alphabet, with "=" padding) at the start of s, or 0 when it is too short
// to hold anything (under 8 characters).
func base64Run(s string) int {
	n := 0
	for n < len(s) && isBase64(s[n]) {
		n++
	}
	if n < 8 {
		return 0
	}
	for n < len(s) && s[n] == '=' {
		n++
	}
	return n
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// decodesToSecret reports whether run, decoded as base64 from any of its
// first four characters, holds a spelling of secret.
func decodesToSecret(run, secret string) bool {
	run = strings.TrimRight(run, "=")
	run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
	for off := range 4 {
		if off >= len(run) {
			break
		}
		r := run[off:]
		if len(r)%4 == 1 {
			r = r[:len(r)-1]
		}
		dec, err := base64.RawStdEncoding.DecodeString(r)
		if err != nil {
			continue
		}
		d := string(dec)
		for i := range len(d) {
			if secretAt(d, i, secret) > 0 {
				return true
			}
		}
	}
	return false
}
