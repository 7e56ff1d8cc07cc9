package stores

import (
	"net/http"
	"testing"

	"github.com/gorilla/sessions"
)

func TestCookieNamePrefix(t *testing.T) {
	for _, tc := range []struct {
		opts sessions.Options
		want string
	}{
		{sessions.Options{Path: "/"}, "__Host-s"},
		{sessions.Options{Path: "/", Domain: "app.example"}, "__Secure-s"},
		{sessions.Options{Path: "/app"}, "__Secure-s"},
	} {
		if got := CookieName("s", &tc.opts); got != tc.want {
			t.Errorf("CookieName(s, %+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

// Options that ask for an insecure cookie do not get one.
func TestNewCookieForcesSafeAttributes(t *testing.T) {
	for _, tc := range []struct {
		in, want http.SameSite
	}{
		{0, http.SameSiteLaxMode},
		{http.SameSiteDefaultMode, http.SameSiteLaxMode},
		{http.SameSiteLaxMode, http.SameSiteLaxMode},
		{http.SameSiteStrictMode, http.SameSiteStrictMode},
		{http.SameSiteNoneMode, http.SameSiteNoneMode},
	} {
		c := NewCookie("n", "v", &sessions.Options{Path: "/", MaxAge: 60, SameSite: tc.in})
		if !c.Secure || !c.HttpOnly || c.SameSite != tc.want || c.Value != "v" || c.MaxAge != 60 {
			t.Errorf("SameSite %v: cookie %+v, want Secure, HttpOnly, SameSite %v", tc.in, c, tc.want)
		}
	}
}
