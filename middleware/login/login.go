package login

import (
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// reservedParams cannot be set through Config.AuthParams.
var reservedParams = map[string]bool{
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true,
	"redirect_uri": true, "client_id": true, "response_type": true, "scope": true,
}

// Login starts a login: it keeps a new flow (state, nonce, PKCE verifier and
// the return_to path) in its own short-lived cookie and redirects the browser
// to the provider's authorization endpoint. An optional return_to query
// parameter, a same-origin path, is where the browser lands after login. A
// login started where the flow cookie cannot reach the callback (a host
// other than RedirectURL's, plain http away from loopback) is logged as a
// warning naming the hosts.
func (a *Auth) Login(w http.ResponseWriter, r *http.Request) {
	r = a.step(r, observe.LoginStart)
	a.warnCookieHost(r)
	returnTo, ok := SafeReturnTo(r.URL.Query().Get("return_to"))
	if !ok {
		a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_return_to",
			Message: "The return_to address is not a path on this site.", Err: ErrLoginRequest})
		return
	}
	f := newFlow(returnTo, a.c.Name)
	if err := a.saveFlow(w, r, f, a.c.FormPost); err != nil {
		a.fail(w, r, &AuthError{Status: http.StatusInternalServerError, Code: "server_error",
			Message: "Sign-in could not be started.", Err: err})
		return
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(f.Verifier),
		oauth2.SetAuthURLParam("nonce", f.Nonce),
		oauth2.SetAuthURLParam("redirect_uri", a.redirectURL(r)),
	}
	for k, vs := range a.c.AuthParams { // checked by New
		if len(vs) > 0 {
			opts = append(opts, oauth2.SetAuthURLParam(k, vs[0]))
		}
	}
	if a.c.FormPost {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	if a.c.MaxAge > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("max_age", strconv.FormatInt(int64(a.c.MaxAge/time.Second), 10)))
	}
	u, err := a.authorizationURL(r.Context(), f.State, opts)
	if err != nil {
		a.fail(w, r, a.providerError(err))
		return
	}
	a.report(r.Context(), observe.Event{Kind: observe.LoginStart, Outcome: observe.OK})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
}
