package login

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
)

// Sentinel errors of the login flow, for errors.Is in a custom ErrorResponder.
var (
	// ErrLoginState: the callback's state matches no pending login in this
	// browser (expired, used already, altered, or from another browser).
	// When the request brought no login flow cookie at all (a cookie host
	// or scheme problem, see session.ErrNoFlowCookie, which it then also
	// matches) the AuthError's code is "login_cookie_missing", else
	// "invalid_state".
	ErrLoginState = errors.New("login state is missing, expired or used")
	// ErrLoginRequest: the callback request itself is malformed or unsafe
	// (tokens in the query, no code, a wrong iss parameter).
	ErrLoginRequest = errors.New("bad login callback")
	// ErrLoginDenied: the provider answered with an error, or the AfterLogin
	// hook refused the user.
	ErrLoginDenied = errors.New("login denied")
	// ErrSessionStore: the session store failed (not "signed out").
	ErrSessionStore = errors.New("session store unavailable")
)

// AuthError is what the login handlers pass to Config.ErrorResponder. Message
// is safe to show a user; Err is for logs and errors.Is and may hold detail
// that must not reach a page.
type AuthError struct {
	Status  int    // the HTTP status of the answer
	Code    string // a short machine code, e.g. "invalid_state", or the provider's error code
	Message string // safe to show a user
	Err     error  // the cause, for logs and errors.Is; never shown
	// Retry is where the page's "Try again" link leads: the login path,
	// with the page the user wanted as its return_to when the failed login
	// knew it, or, when Require or Optional failed on a GET, that page
	// again. A path on this site, set by the login handlers.
	Retry string
}

// Error describes the failure, with its cause, for logs; never shown to users.
func (e *AuthError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// WriteAuthError is the default responder of the login handlers: a small HTML
// page for browsers, JSON for others, with the status, the code and the safe
// message only; the page links to Retry ("Try again") and to "/".
func WriteAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var e *AuthError
	if !errors.As(err, &e) {
		e = &AuthError{Status: http.StatusInternalServerError, Code: "server_error", Message: "Sign-in failed."}
	}
	if !wantsHTML(r) {
		endpoint.WriteJSONError(w, e.Status, e.Code, e.Message)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(e.Status)
	_ = errorPage.Execute(w, e)
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Sign-in problem</h1><p>{{.Message}}</p>{{if .Code}}<p>Error code: <code>{{.Code}}</code></p>{{end}}
<p>{{if .Retry}}<a href="{{.Retry}}">Try again</a> · {{end}}<a href="/">Back to the start page</a></p></body></html>
`))

// wantsHTML reports whether the client is a browser asking for a page.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
