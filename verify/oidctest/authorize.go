package oidctest

import (
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCode is an issued authorization code.
type authCode struct {
	client, redirectURI, scope, nonce, challenge, user string
	expires                                            time.Time
	used                                               bool
	grant                                              string
}

// authRequest is a checked authorization request.
type authRequest struct {
	q      url.Values
	client *Client
}

// errPage is an authorization error that cannot go back to the client.
type errPage struct{ msg string }

func (e *errPage) Error() string { return e.msg }

// checkAuthorize validates an authorization request. A *errPage error must
// be shown to the user; any other error has been turned into a redirect URL.
func (s *Server) checkAuthorize(q url.Values) (*authRequest, *url.URL, error) {
	s.mu.Lock()
	c := s.client(q.Get("client_id"))
	s.mu.Unlock()
	if c == nil {
		return nil, nil, &errPage{"unknown client_id"}
	}
	ru := q.Get("redirect_uri")
	if !allowedURI(ru, c.RedirectURIs) {
		return nil, nil, &errPage{"redirect_uri is not registered for this client"}
	}
	fail := func(code, desc string) (*authRequest, *url.URL, error) {
		u, _ := url.Parse(ru)
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u.RawQuery = v.Encode()
		return nil, u, errors.New(code)
	}
	b := s.behavior()
	switch {
	case q.Get("response_type") != "code":
		return fail("unsupported_response_type", "only code is supported")
	case q.Get("code_challenge") == "" && !b.AllowMissingPKCE:
		return fail("invalid_request", "PKCE code_challenge is required")
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		return fail("invalid_request", "code_challenge_method must be S256")
	}
	return &authRequest{q: q, client: c}, nil, nil
}

// issueCode logs user in for a checked request and returns the redirect back
// to the client.
func (s *Server) issueCode(ar *authRequest, user string) *url.URL {
	b := s.behavior()
	code := randomString(24)
	s.mu.Lock()
	s.codes[code] = &authCode{
		client: ar.client.ID, redirectURI: ar.q.Get("redirect_uri"), scope: ar.q.Get("scope"),
		nonce: ar.q.Get("nonce"), challenge: ar.q.Get("code_challenge"), user: user,
		expires: now().Add(time.Minute),
	}
	s.mu.Unlock()
	u, _ := url.Parse(ar.q.Get("redirect_uri"))
	v := u.Query()
	v.Set("code", code)
	if st := ar.q.Get("state"); st != "" {
		v.Set("state", st)
	}
	if b.IssParameter {
		iss := s.Issuer()
		if b.IssParameterValue != "" {
			iss = b.IssParameterValue
		}
		v.Set("iss", iss)
	}
	u.RawQuery = v.Encode()
	return u
}

// authorize serves the login form (GET) and its submission (POST).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	q := r.Form
	ar, back, err := s.checkAuthorize(q)
	var page *errPage
	switch {
	case errors.As(err, &page):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("authorization request refused: " + page.msg + "\n"))
		return
	case err != nil:
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("username"))
	if r.Method == http.MethodGet {
		user = s.behavior().AutoLogin
	}
	if user == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = loginPage.Execute(w, struct {
			Params url.Values
			Client string
		}{q, ar.client.ID})
		return
	}
	http.Redirect(w, r, s.issueCode(ar, user).String(), http.StatusFound)
}

// Login logs username in without the form: authorizeURL is a full
// authorization request URL (as a client redirects to); the result is the
// redirect back to the client, with code, state and (when enabled) iss, or
// with an error.
func (s *Server) Login(username, authorizeURL string) (*url.URL, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.counts["authorize"]++
	s.mu.Unlock()
	ar, back, err := s.checkAuthorize(u.Query())
	var page *errPage
	if errors.As(err, &page) {
		return nil, err
	}
	if err != nil {
		return back, nil
	}
	return s.issueCode(ar, username), nil
}

// allowedURI accepts a registered URI, or any http(s) loopback URI when none
// is registered.
func allowedURI(u string, registered []string) bool {
	if len(registered) > 0 {
		for _, r := range registered {
			if r == u {
				return true
			}
		}
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Fragment == "" && isLoopback(p.Hostname())
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — oidctest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:22rem;margin:5rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:1rem 0 .3rem}
input[type=text]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;width:100%;padding:.6rem;font:inherit;background:#246;color:#fff;border:0;border-radius:4px;cursor:pointer}
p.note{color:#666;font-size:.85rem}</style></head>
<body><main><h1>Sign in to the test provider</h1>
<p class="note">oidctest: any username works. Client <code>{{.Client}}</code>.</p>
<form method="post" action="/authorize">
{{range $k, $vs := .Params}}{{if ne $k "username"}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}{{end}}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autofocus required>
<button id="login" type="submit">Sign in</button>
</form></main></body></html>
`))

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
