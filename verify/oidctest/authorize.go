package oidctest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// codeTTL is how long an authorization code can be exchanged.
const codeTTL = time.Minute

// authCode is an issued authorization code: one login.
type authCode struct {
	client, redirectURI, scope, nonce, challenge, user, sid string
	resource                                                []string
	authTime, expires                                       time.Time
	used                                                    bool
	grant                                                   string // the grant it gave, once exchanged
}

// authRequest is a checked authorization request.
type authRequest struct {
	q      url.Values
	client *Client
	pushed string // the request_uri it was pushed under, if it was
}

// refusal is an authorization error that cannot go back to the client (bad
// client_id or redirect_uri): the user sees it.
type refusal struct{ msg string }

// Error says why the request was refused; it is shown on the error page.
func (e *refusal) Error() string { return "oidctest: authorization request refused: " + e.msg }

// checkAuthorize validates an authorization request. It returns the request,
// or the redirect carrying an error back to the client, or a *refusal.
func (s *Server) checkAuthorize(q url.Values) (*authRequest, *url.URL, error) {
	return s.checkRequest(q, false)
}

// checkRequest is checkAuthorize; pushing is set for a request being pushed
// to /par, which RequirePAR lets through.
func (s *Server) checkRequest(q url.Values, pushing bool) (*authRequest, *url.URL, error) {
	c := s.lookupClient(q.Get("client_id"))
	if c == nil {
		return nil, nil, &refusal{"unknown client_id"}
	}
	var pushed string
	if q.Has("request_uri") {
		// RFC 9126 §4: the pushed parameters replace the request's.
		pushed = q.Get("request_uri")
		pq, err := s.pushedParams(pushed, c.ID)
		if err != nil {
			return nil, nil, err
		}
		q = pq
	}
	if !allowedURI(q.Get("redirect_uri"), c.RedirectURIs) {
		return nil, nil, &refusal{"redirect_uri is not registered for this client"}
	}
	ar := &authRequest{q: q, client: c, pushed: pushed}
	b := s.behavior()
	switch {
	case b.RequirePAR && pushed == "" && !pushing:
		return nil, s.authError(ar, "invalid_request", "pushed authorization requests are required"), nil
	case q.Get("response_type") != "code":
		return nil, s.authError(ar, "unsupported_response_type", "only response_type=code is supported"), nil
	case q.Get("code_challenge") == "" && !b.AllowMissingPKCE:
		return nil, s.authError(ar, "invalid_request", "PKCE code_challenge is required"), nil
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		return nil, s.authError(ar, "invalid_request", "code_challenge_method must be S256"), nil
	}
	return ar, nil, nil
}

// authorize serves the login form (GET) and its submission (POST).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "oidctest: unreadable authorization request", http.StatusBadRequest)
		return
	}
	ar, back, err := s.checkAuthorize(r.Form)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if back != nil {
		answer(w, r, r.Form.Get("response_mode"), back)
		return
	}
	var user string
	switch b := s.behavior(); {
	case r.Method == http.MethodPost && r.PostForm.Has("deny"):
		answer(w, r, ar.q.Get("response_mode"), s.authError(ar, "access_denied", "the user declined"))
		return
	case r.Method == http.MethodPost:
		user = strings.TrimSpace(r.PostForm.Get("username"))
	case b.AutoLogin != "":
		user = b.AutoLogin
	case slices.Contains(strings.Fields(r.Form.Get("prompt")), "none"):
		answer(w, r, ar.q.Get("response_mode"), s.authError(ar, "login_required", "no session at the provider"))
		return
	}
	if user == "" {
		renderLogin(w, ar)
		return
	}
	answer(w, r, ar.q.Get("response_mode"), s.issueCode(ar, user))
}

// Login logs username in without the form. authorizeURL is a full
// authorization request URL, as a client redirects a browser to; the result
// is the redirect back to the client, carrying code, state and (with
// IssParameter) iss, or an error such as invalid_request; for
// response_mode=form_post these are the parameters to post to the URL
// without its query, as the browser would. An empty username
// declines: the redirect carries error=access_denied. A request that cannot
// be answered with a redirect (unknown client_id, unregistered redirect_uri)
// returns an error. Login counts as an "authorize" request.
func (s *Server) Login(username, authorizeURL string) (redirect *url.URL, err error) {
	s.countUp("authorize")
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, err
	}
	ar, back, err := s.checkAuthorize(u.Query())
	switch {
	case err != nil:
		return nil, err
	case back != nil:
		return back, nil
	case username == "":
		return s.authError(ar, "access_denied", "the user declined"), nil
	}
	return s.issueCode(ar, username), nil
}

// issueCode logs user in for a checked request and returns the redirect back
// to the client.
func (s *Server) issueCode(ar *authRequest, user string) *url.URL {
	n := time.Now()
	ac := &authCode{
		client: ar.client.ID, redirectURI: ar.q.Get("redirect_uri"), scope: ar.q.Get("scope"),
		nonce: ar.q.Get("nonce"), challenge: ar.q.Get("code_challenge"), user: user,
		sid: randomString(12), resource: ar.q["resource"], authTime: n, expires: n.Add(codeTTL),
	}
	if len(ac.resource) == 0 && ar.q.Get("audience") != "" {
		ac.resource = []string{ar.q.Get("audience")}
	}
	code := randomString(24)
	s.mu.Lock()
	s.codes[code] = ac
	delete(s.pushed, ar.pushed) // a pushed request gives one code
	s.mu.Unlock()
	return s.redirectBack(ar, url.Values{"code": {code}})
}

// authError is the redirect carrying an error back to the client
// (RFC 6749 §4.1.2.1).
func (s *Server) authError(ar *authRequest, code, desc string) *url.URL {
	return s.redirectBack(ar, url.Values{"error": {code}, "error_description": {desc}})
}

// redirectBack adds params, state and iss to the request's redirect_uri.
func (s *Server) redirectBack(ar *authRequest, params url.Values) *url.URL {
	u, _ := url.Parse(ar.q.Get("redirect_uri")) // checked by allowedURI
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if st := ar.q.Get("state"); st != "" {
		q.Set("state", st)
	}
	if b := s.behavior(); b.IssParameter || b.IssParameterValue != "" {
		iss := s.Issuer()
		if b.IssParameterValue != "" {
			iss = b.IssParameterValue
		}
		q.Set("iss", iss)
	}
	u.RawQuery = q.Encode()
	return u
}
