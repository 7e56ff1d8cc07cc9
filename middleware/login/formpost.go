package login

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
)

// Form Post Response Mode (OAuth 2.0 Form Post Response Mode, 2015): the
// provider answers with a page that makes the browser POST code and state
// to the redirect URI. That POST comes from the provider's site, so it is a
// cross-site request by design, and the reasoning about request forgery is
// this:
//
//   - The callback accepts a POST from any site: it has to. What makes a
//     forged POST useless is the state. The flow cookie (SameSite=None so
//     that it travels with the cross-site POST; always Secure and
//     HttpOnly, sealed, named from the state) holds the state, the PKCE
//     verifier and the nonce of one login started in this browser. A POST
//     whose state is not that of a flow cookie this browser holds is
//     refused; the state is 256 random bits that only this browser and the
//     provider saw (in the authorization request), compared in constant
//     time.
//   - Login CSRF (an attacker making the victim's browser finish the
//     attacker's login) needs a state from the victim's own flow cookie,
//     which the attacker cannot read; an attacker's own state has no flow
//     cookie in the victim's browser.
//   - A SameSite=None cookie is sent with every cross-site request to this
//     site, so any site can make the browser POST to the callback with the
//     flow cookie attached. Without the state that does nothing but cost
//     the flow: the flow is taken (deleted) only by a callback naming its
//     state, and each flow is used once.
//   - The code is bound to the flow's PKCE verifier, so a code injected
//     with a stolen state still fails at the token endpoint, and the ID
//     token's nonce must be the flow's.
//   - Only the flow cookie is SameSite=None: the session cookie stays Lax,
//     and the callback answers with a redirect, so the rest of the site
//     never sees a cross-site POST with the session.
//
// Parameters must come in the POST body: a form-post callback carrying
// response parameters in its URL is refused, so that a link cannot stand in
// for the provider's POST.

// errFormPostNeedsHTTPS refuses FormPost without https: browsers drop a
// SameSite=None cookie that is not Secure.
var errFormPostNeedsHTTPS = errors.New("login: Config.FormPost needs an absolute https RedirectURL: the flow cookie must be SameSite=None, which browsers accept only with Secure over https")

// checkFormPost validates FormPost against RedirectURL.
func (a *Auth) checkFormPost() error {
	if !a.c.FormPost {
		return nil
	}
	if u, err := url.Parse(a.c.RedirectURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return errFormPostNeedsHTTPS
	}
	return nil
}

// maxCallbackForm bounds a form-post callback's body.
const maxCallbackForm = 64 << 10

// callbackParams returns the response parameters of a callback: the URL's
// query, or with FormPost the POST body's form. It has answered the
// request when ok is false.
func (a *Auth) callbackParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if !a.c.FormPost {
		return r.URL.Query(), true
	}
	bad := func(msg string) (url.Values, bool) {
		a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
			Message: msg, Err: ErrLoginRequest})
		return nil, false
	}
	if r.Method != http.MethodPost {
		return bad("The sign-in response must be posted by the identity provider.")
	}
	q := r.URL.Query()
	for _, k := range []string{"state", "code", "iss", "error", "access_token", "id_token", "token", "refresh_token"} {
		if q.Has(k) {
			return bad("The sign-in response must come in the POST body, not in the URL.")
		}
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return bad("The sign-in response is not a form.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCallbackForm)
	if err := r.ParseForm(); err != nil {
		return bad("The sign-in response could not be read.")
	}
	return r.PostForm, true
}
