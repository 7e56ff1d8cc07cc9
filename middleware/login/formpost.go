package login

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/session"
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
//
// The relay step. Because the POST is cross-site, the browser leaves the
// SameSite=Lax session cookie out of it, so a login finished there could not
// see, and end, the session this browser already has: it would stay alive
// in a server-side store until it expired, and a copy of its cookie would
// keep working. So the POST does not finish the login. It takes the flow
// named by the posted state (the checks above, unchanged), keeps that flow
// with the posted response (code, iss, error and its description, user)
// in a new flow cookie, SameSite=Lax, for a flow's 10 minutes, and answers 303 See Other to RedirectURL?relay=<the new
// flow's state>. That GET is a top-level navigation, which carries Lax
// cookies even when the provider's page started it: the session cookie
// comes with it, and the callback finishes there exactly as a query-mode
// login does, ending the previous session (Manager.Login). As other
// libraries turn a form post into a GET for the same reason, but the code
// never enters a URL (history, logs, Referer): only the new flow's state
// does, which is worthless without the cookie, set in this browser only and
// used once. The GET step accepts nothing but that state and only a flow
// that came through the POST; a POST naming such a flow is refused. Route
// both POST and GET of RedirectURL to Callback.

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
	q := r.URL.Query()
	for _, k := range []string{"state", "code", "iss", "error", "access_token", "id_token", "token", "refresh_token"} {
		if q.Has(k) {
			return bad("The sign-in response must come in the POST body, not in the URL.")
		}
	}
	if r.Method == http.MethodGet && q.Has(relayParam) {
		if len(q[relayParam]) != 1 {
			return bad("The sign-in step repeats a parameter.")
		}
		return url.Values{"state": q[relayParam]}, true // the relay flow's
	}
	if r.Method != http.MethodPost {
		return bad("The sign-in response must be posted by the identity provider.")
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

// relayParam is the query parameter of a form-post callback's GET step: the
// state of the flow that relays the response.
const relayParam = "relay"

// relayed are the response parameters the relay carries to the GET step,
// the ones Callback reads after taking the flow.
var relayed = []string{"state", "code", "iss", "error", "error_description", "user"}

// maxRelayedDescription bounds a relayed error_description; Callback keeps
// 256 characters of it.
const maxRelayedDescription = 1024

// relay carries a form-post callback over to its same-site GET step (see
// above). On the provider's POST it keeps f, its state taken, with the
// response in a new Lax flow and redirects to the GET step; on that GET it
// returns the response the flow carries. It has answered the request when
// ok is false.
func (a *Auth) relay(w http.ResponseWriter, r *http.Request, f *flow, q url.Values) (url.Values, bool) {
	if (r.Method == http.MethodPost) == (f.Response != nil) {
		a.noFlow(w, r, fmt.Errorf("%w: a form-post callback's %s step with a flow that is not for it", session.ErrNoFlow, r.Method))
		return nil, false
	}
	if r.Method != http.MethodPost {
		return f.Response, true
	}
	f.Response = url.Values{}
	for _, k := range relayed {
		if q.Has(k) {
			f.Response.Set(k, q.Get(k))
		}
	}
	if d := f.Response.Get("error_description"); len(d) > maxRelayedDescription {
		f.Response.Set("error_description", strings.ToValidUTF8(d[:maxRelayedDescription], ""))
	}
	if len(f.Response.Get("user")) > maxPostedUser {
		f.Response.Del("user") // addPostedName would drop it
	}
	if err := a.saveFlow(w, r, f, false); err != nil {
		a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
			Message: "The sign-in response is too large.", Err: fmt.Errorf("%w: relaying the form post: %w", ErrLoginRequest, err)})
		return nil, false
	}
	a.toRelayStep(w, r, f.State)
	return nil, false
}

// toRelayStep answers a form-post callback's POST with a 303 to its GET
// step for the flow of state. A POST whose flow is missing goes there too:
// only the GET brings the session cookie, so only it can send a browser
// that is signed in already (the provider's page posted again) on to "/",
// and tell the others why they are refused.
func (a *Auth) toRelayStep(w http.ResponseWriter, r *http.Request, state string) {
	u, _ := url.Parse(a.c.RedirectURL) // absolute https: checkFormPost
	v := u.Query()
	v.Set(relayParam, state)
	u.RawQuery = v.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
