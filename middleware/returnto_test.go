package middleware_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
)

func TestSafeReturnTo(t *testing.T) {
	good := map[string]string{
		"":                    "/",
		"/":                   "/",
		"/orders/42":          "/orders/42",
		"/search?q=a%20b&x=1": "/search?q=a%20b&x=1",
		"/a/b#frag":           "/a/b#frag",
		"/time?t=10:30":       "/time?t=10:30",
		"/%E2%9C%93":          "/%E2%9C%93",
	}
	for in, want := range good {
		if got, ok := login.SafeReturnTo(in); !ok || got != want {
			t.Errorf("SafeReturnTo(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	bad := []string{
		"//evil.example",
		"//evil.example/path",
		"/\\evil.example",
		"\\\\evil.example",
		"https://evil.example",
		"http:/evil.example",
		"javascript:alert(1)",
		"evil.example",
		"/\t/evil.example",
		"/\n/evil.example",
		"/%2F/evil.example",
		"/%2f%2fevil.example",
		"/%5Cevil.example",
		"/%252F%252Fevil.example",
		"%2F%2Fevil.example",
		"/%09/evil.example",
		"///evil.example",
		"/" + strings.Repeat("a", 3000),
		"/a\x00b",
	}
	for _, in := range bad {
		if got, ok := login.SafeReturnTo(in); ok {
			t.Errorf("SafeReturnTo(%q) accepted as %q", in, got)
		}
	}
}

// FuzzSafeReturnTo: whatever is accepted resolves, against the app's origin,
// to the app's origin.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil", "/\\evil", "/%2F%2Fevil", "https://evil", "/\t/evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example/start")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := login.SafeReturnTo(s)
		if !ok {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", s, err)
		}
		if r := base.ResolveReference(u); r.Host != "app.example" || r.Scheme != "https" {
			t.Fatalf("accepted %q, which leads to %s", s, r)
		}
		for _, c := range got {
			if c < 0x20 || c == '\\' {
				t.Fatalf("accepted %q with a control character or backslash", s)
			}
		}
	})
}
