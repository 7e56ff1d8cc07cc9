package verify

import "testing"

// FuzzHTU: normalising never panics, is idempotent, and a URI always
// matches itself once it normalises.
func FuzzHTU(f *testing.F) {
	for _, s := range []string{"https://API.example.test:443/a%7eb?q#f", "http://[::1]:80/", "https://u@x/", "/rel", "https://x/%zz", "HTTP://x:8080"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := normalizeHTU(s)
		if !ok {
			return
		}
		if n2, ok2 := normalizeHTU(n); !ok2 || n2 != n {
			t.Fatalf("%q → %q → %q (%v)", s, n, n2, ok2)
		}
		if !sameHTU(s, s) || !sameHTU(s, n) {
			t.Fatalf("%q does not match itself or its normal form %q", s, n)
		}
	})
}
