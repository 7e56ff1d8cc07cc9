package login

import (
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
)

// tokenTimes returns when a token response's access token was obtained and
// when it is to be taken as expired, both on the Auth's clock
// (endpoint.TokenLifetime after now).
func (a *Auth) tokenTimes(tok *oauth2.Token) (issued, expires time.Time) {
	issued = a.c.Now()
	return issued, issued.Add(endpoint.TokenLifetime(tok, time.Now(), a.c.DefaultTokenLifetime))
}
