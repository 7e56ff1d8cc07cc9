package middleware

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Sentinel errors of the login flow, for errors.Is in a custom ErrorResponder.
var (
	// ErrLoginState: the callback's state matches no pending login in this
	// browser (expired, used already, altered, or from another browser).
	ErrLoginState = errors.New("login state is missing, expired or used")
	// ErrLoginRequest: the callback request itself is malformed or unsafe
	// (tokens in the query, no code, a wrong iss parameter).
	ErrLoginRequest = errors.New("bad login callback")
	// ErrLoginDenied: the provider answered with an error, or the AfterLogin
	// hook refused the user.
	ErrLoginDenied = errors.New("login denied")
	// ErrProvider: the provider's token or userinfo endpoint failed or
	// answered something unusable.
	ErrProvider = errors.New("identity provider error")
	// ErrSessionStore: the session store failed (not "signed out").
	ErrSessionStore = errors.New("session store unavailable")
)

// AuthError is what the login handlers pass to Config.ErrorResponder. Message
// is safe to show a user; Err is for logs and errors.Is and may hold detail
// that must not reach a page.
type AuthError struct {
	Status  int
	Code    string // a short machine code, e.g. "invalid_state", or the provider's error code
	Message string
	Err     error
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

// ProviderError is an error answer of a provider endpoint (RFC 6749 §5.2):
// its error code, description and URI, never its raw body.
type ProviderError struct {
	Status      int // HTTP status of the answer (0 when unknown)
	Code        string
	Description string
	URI         string
}

// Error describes the provider's answer: status, code and description.
func (e *ProviderError) Error() string {
	s := fmt.Sprintf("provider answered %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is makes every ProviderError match ErrProvider.
func (e *ProviderError) Is(target error) bool { return target == ErrProvider }

// providerError converts an x/oauth2 error, whose message can hold the whole
// response body, into a ProviderError (or a plain error matching
// ErrProvider) that carries no body. Its text is the provider's: pass it
// through redact before it goes anywhere.
func providerError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The fields stay as received: redact cleans and caps them.
		pe := &ProviderError{Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI}
		if re.Response != nil {
			pe.Status = re.Response.StatusCode
		}
		return pe
	}
	if errors.Is(err, ErrProvider) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// A transport failure: keep it (timeouts stay recognisable); it
		// names the endpoint, never a response body.
		return fmt.Errorf("%w: %s %s: %w", ErrProvider, ue.Op, ue.URL, ue.Err)
	}
	// What is left is x/oauth2's own complaint about the answer, which has
	// no type of its own (its parse failures are fmt.Errorf texts): the
	// text is matched, and only to replace it with a plainer one.
	msg := err.Error()
	if strings.HasPrefix(msg, "oauth2: cannot parse") {
		msg = "the token endpoint's answer is not a token response"
	}
	return fmt.Errorf("%w: %s", ErrProvider, printable(msg, 200))
}

// checkTokenType refuses a token response whose token_type is not want,
// compared without case (providers answer "bearer" too): the one rule for
// logins, refreshes and the machine-to-machine clients.
func checkTokenType(tok *oauth2.Token, want string) error {
	if strings.EqualFold(tok.Type(), want) {
		return nil
	}
	return fmt.Errorf("%w: %w: token_type %q is not %s", ErrProvider, errTokenRejected, printable(tok.TokenType, 32), want)
}

// printable keeps at most n printable ASCII characters of s.
func printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// WriteAuthError is the default responder of the login handlers: a small HTML
// page for browsers, JSON for others, with the status, the code and the safe
// message only.
func WriteAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var e *AuthError
	if !errors.As(err, &e) {
		e = &AuthError{Status: http.StatusInternalServerError, Code: "server_error", Message: "Sign-in failed."}
	}
	if !wantsHTML(r) {
		writeJSONError(w, e.Status, e.Code, e.Message)
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
<p><a href="/">Back to the start page</a></p></body></html>
`))

// wantsHTML reports whether the client is a browser asking for a page.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
