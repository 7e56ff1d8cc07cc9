package middleware

import (
	"time"

	"golang.org/x/oauth2"
)

// renewAt is when a token valid from issued until expires is renewed:
// margin before it expires, the margin capped at half the token's lifetime,
// so a token is used for at least half its life and renewed about once per
// lifetime however short it lives. With issued unknown (zero) the whole
// margin applies. The one rule for browser sessions (Config.RefreshMargin)
// and machine-to-machine clients (ClientConfig.ExpiryMargin).
func renewAt(issued, expires time.Time, margin time.Duration) time.Time {
	if !issued.IsZero() {
		margin = min(margin, expires.Sub(issued)/2)
	}
	return expires.Add(-margin)
}

// tokenTimes returns when a token response's access token was obtained and
// when it is to be taken as expired, both on the Auth's clock
// (tokenLifetime after now).
func (a *Auth) tokenTimes(tok *oauth2.Token) (issued, expires time.Time) {
	issued = a.c.Now()
	return issued, issued.Add(tokenLifetime(tok, time.Now(), a.c.DefaultTokenLifetime))
}
