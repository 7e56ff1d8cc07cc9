package endpoint

import (
	"strings"
	"testing"
)

// FuzzRedact: whatever a provider writes around a secret, the cleaned text
// never holds it, is printable ASCII and at most the cap, and cleaning
// never panics.
func FuzzRedact(f *testing.F) {
	f.Add("bad secret s3cr3tValue", "s3cr3tValue")
	f.Add("Basic Z2F0ZWhvdXNlLXRlc3Q6czNjcjN0VmFsdWU=", "s3cr3tValue")
	f.Add(`{"client_secret":"s3cr3t\u0056alue"}`, "s3cr3tValue")
	f.Add("s3cr3t%2556alue s3cr3\x01tValue", "s3cr3tValue")
	f.Fuzz(func(t *testing.T, s, secret string) {
		if len(secret) < 8 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" ||
			strings.Contains(redacted, secret) {
			return // secrets are long; the property needs one "[redacted]" cannot spell
		}
		out := cleanText(s, []string{secret}, 256)
		if strings.Contains(out, secret) || len(out) > 256 || Printable(out, len(out)) != out {
			t.Fatalf("cleanText(%q, %q) = %q", s, secret, out)
		}
	})
}
