package endpoint

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// jwtWithExp is an unsigned compact JWT whose only claim is exp.
func jwtWithExp(exp time.Time) string {
	p := base64.RawURLEncoding.EncodeToString([]byte(`{"exp":` + strconv.FormatInt(exp.Unix(), 10) + `}`))
	return "eyJhbGciOiJSUzI1NiJ9." + p + ".c2ln"
}

// No lifetime a provider states, in expires_in or in a JWT's exp, keeps a
// token past maxTokenLifetime: beyond it the number is not believed.
func TestTokenLifetimeCapped(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name string
		tok  *oauth2.Token
		def  time.Duration
		want time.Duration
	}{
		{"expires_in capped by x/oauth2 at MaxInt32", &oauth2.Token{AccessToken: "opaque", ExpiresIn: 1<<31 - 1}, time.Hour, time.Hour},
		{"JWT exp ten years away", &oauth2.Token{AccessToken: jwtWithExp(now.Add(10 * 365 * 24 * time.Hour))}, time.Hour, time.Hour},
		{"JWT exp in the past", &oauth2.Token{AccessToken: jwtWithExp(now.Add(-time.Hour)), ExpiresIn: 600}, time.Hour, 10 * time.Minute},
		{"JWT exp within the cap", &oauth2.Token{AccessToken: jwtWithExp(now.Add(30 * 24 * time.Hour))}, time.Hour, 30 * 24 * time.Hour},
		{"DefaultTokenLifetime above the cap", &oauth2.Token{AccessToken: "opaque"}, 1000 * 24 * time.Hour, maxTokenLifetime},
		{"JWT with a non-numeric exp", &oauth2.Token{AccessToken: "a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"soon"}`)) + ".b"}, time.Hour, time.Hour},
	} {
		if got := TokenLifetime(tc.tok, now, tc.def); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
