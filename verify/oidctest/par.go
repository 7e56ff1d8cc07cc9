package oidctest

import (
	"net/http"
	"net/url"
	"time"
)

// parTTL is how long a pushed authorization request can be used.
const parTTL = time.Minute

// requestURIPrefix starts every request_uri (RFC 9126 §2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// pushedRequest is an authorization request pushed to /par.
type pushedRequest struct {
	client  string
	params  url.Values
	expires time.Time
}

// par serves the pushed authorization request endpoint (RFC 9126 §2): the
// client authenticates as at /token, the parameters are checked as an
// authorization request, and the answer is a request_uri for /authorize,
// good for one code within a minute.
func (s *Server) par(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authenticatedForm(w, r)
	if !ok {
		return
	}
	params := url.Values{}
	for k, vs := range r.PostForm {
		if k != "client_secret" {
			params[k] = vs
		}
	}
	switch {
	case params.Has("request_uri"):
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "request_uri cannot be pushed"})
		return
	case params.Get("client_id") != "" && params.Get("client_id") != c.ID:
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "client_id differs from the authenticated client"})
		return
	}
	params.Set("client_id", c.ID)
	ar, back, err := s.checkRequest(params, true)
	switch {
	case err != nil:
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: err.Error()})
		return
	case back != nil:
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: back.Query().Get("error"), desc: back.Query().Get("error_description")})
		return
	}
	uri := requestURIPrefix + randomString(24)
	s.mu.Lock()
	s.pushed[uri] = &pushedRequest{client: c.ID, params: ar.q, expires: time.Now().Add(parTTL)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(parTTL.Seconds())})
}

// pushedParams returns the parameters pushed under uri by client.
func (s *Server) pushedParams(uri, client string) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushed[uri]
	switch {
	case p == nil || time.Now().After(p.expires):
		return nil, &refusal{"request_uri is unknown, expired or used"}
	case p.client != client:
		return nil, &refusal{"request_uri was pushed by another client"}
	}
	q := url.Values{}
	for k, vs := range p.params {
		q[k] = vs
	}
	q.Set("request_uri", uri) // the login form posts it back
	return q, nil
}
