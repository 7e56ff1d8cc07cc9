package login

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
)

// maxAgeLeeway absorbs clock skew in the auth_time check, as the verifier's
// default leeway does for exp and iat.
const maxAgeLeeway = time.Minute

var (
	errNoAuthTime  = fmt.Errorf("%w: max_age was requested and the ID token has no auth_time", verify.ErrInvalid)
	errAuthTimeOld = fmt.Errorf("%w: auth_time is older than max_age allows", verify.ErrInvalid)
	errAuthFuture  = fmt.Errorf("%w: auth_time is in the future", verify.ErrInvalid)
)

// checkAuthTime is OpenID Connect Core §3.1.3.7 step 11: when max_age was
// requested, the ID token must say when the user authenticated, and that
// must be recent enough. A provider that ignored max_age, or a replayed
// older login, is refused.
func (a *Auth) checkAuthTime(t *verify.Token) error {
	if a.c.MaxAge <= 0 {
		return nil
	}
	now := a.c.Now()
	switch {
	case t.AuthTime.IsZero():
		return errNoAuthTime
	case t.AuthTime.After(now.Add(maxAgeLeeway)):
		return errAuthFuture
	case now.Sub(t.AuthTime) > a.c.MaxAge+maxAgeLeeway:
		return errAuthTimeOld
	}
	return nil
}

// checkAuthRequest validates the authorization-request options of c: MaxAge,
// FormPost and pushed authorization requests.
func (a *Auth) checkAuthRequest() error {
	switch {
	case a.c.MaxAge < 0:
		return errors.New("login: Config.MaxAge is negative")
	case a.c.MaxAge > 0 && a.c.MaxAge%time.Second != 0:
		return errors.New("login: Config.MaxAge must be whole seconds (max_age is sent in seconds)")
	case a.c.MaxAge > 0 && !a.openid:
		return errors.New("login: Config.MaxAge needs the openid scope: auth_time is an ID token claim")
	case a.c.AuthParams.Has("max_age"):
		return errors.New(`login: Config.AuthParams cannot set "max_age": use Config.MaxAge, which also checks auth_time`)
	}
	if err := a.checkFormPost(); err != nil {
		return err
	}
	a.par = a.c.PushedAuthorization || a.md.RequirePushedAuthorizationRequests
	switch {
	case a.par && a.md.PushedAuthorizationRequestEndpoint == "":
		return errors.New("login: pushed authorization requests need the provider's pushed_authorization_request_endpoint, and it has none")
	case a.par && (a.c.AuthParams.Has("request_uri") || a.c.AuthParams.Has("request")):
		return errors.New("login: Config.AuthParams cannot set request_uri or request with pushed authorization requests")
	}
	return nil
}
