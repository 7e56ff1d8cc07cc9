package middleware_test

import (
	"net/http"
	"strings"
	"testing"
)

// Sign in with Apple posts the user's name once, in a "user" parameter of
// the form-post callback: it fills the name claims the verified ID token
// lacks, never one it has, and never the email or the subject.
func TestFormPostPostedName(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	params := formPostLogin(t, a, b)
	params.Set("user", `{"name":{"firstName":"Jane","lastName":"Appleseed"},"email":"mallory@example.com"}`)
	if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d (%v)", resp.StatusCode, a.lastErr())
	}
	code, c := b.me(a)
	if code != 200 || c["sub"] != "alice" {
		t.Fatalf("/me: %d %v", code, c)
	}
	// oidctest's ID token has name "alice" and no given or family name:
	// the posted parts fill those two, the verified name and email stay.
	if c["given_name"] != "Jane" || c["family_name"] != "Appleseed" {
		t.Errorf("given_name %v, family_name %v: want the posted Jane Appleseed", c["given_name"], c["family_name"])
	}
	if c["name"] != "alice" || c["email"] != "alice@example.test" {
		t.Errorf("name %v, email %v: the verified claims were replaced", c["name"], c["email"])
	}
}

// A malformed, oversized or control-character "user" parameter is dropped
// and the login goes on.
func TestAttackFormPostPostedNameMalformed(t *testing.T) {
	for name, user := range map[string]string{
		"not JSON":         `{"name":`,
		"duplicate member": `{"name":{"firstName":"A","firstName":"B"}}`,
		"control chars":    `{"name":{"firstName":"A\u0007B"}}`,
		"oversized":        `{"name":{"firstName":"` + strings.Repeat("x", 2000) + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			a := newFormPostApp(t)
			b := tlsBrowser(t, a)
			params := formPostLogin(t, a, b)
			params.Set("user", user)
			if resp := postCallback(b, a, params); resp.StatusCode != http.StatusFound {
				t.Fatalf("callback: %d (%v)", resp.StatusCode, a.lastErr())
			}
			if code, c := b.me(a); code != 200 || c["given_name"] == "B" || c["given_name"] == "A\u0007B" {
				t.Errorf("/me: %d %v", code, c)
			}
		})
	}
}
