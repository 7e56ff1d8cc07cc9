package bearer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// Config configures New. Only Verifier is required; the zero
// value of everything else is the safe choice.
type Config struct {
	// Verifier checks every token: a *verify.Verifier (JWTs), a
	// *verify.Introspector (RFC 7662) or their verify.Either.
	Verifier verify.TokenVerifier

	// Realm is sent in WWW-Authenticate challenges. Default "api".
	Realm string

	// Scopes are required of every token (all of them). Per-route scopes can
	// be added with RequireScope.
	Scopes []string

	// AllowFormToken also accepts a token in an
	// application/x-www-form-urlencoded POST body ("access_token", RFC 6750
	// §2.2). The body is read at most 64 KiB. Off by default.
	AllowFormToken bool

	// InsecureAllowQueryToken accepts a token in the URL query
	// ("access_token", RFC 6750 §2.3). URLs end up in logs, browser history
	// and Referer headers: use only when a client cannot send headers and
	// the tokens are very short-lived. Off by default: such requests get 400.
	InsecureAllowQueryToken bool

	// ErrorResponder writes the response when a request is refused. It is
	// called after the WWW-Authenticate header is set, with a *Error.
	// Default: WriteError.
	ErrorResponder func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives one line per refused request (never the token).
	// Default: no logging.
	Logger *slog.Logger

	// DPoP, when set, also accepts DPoP-bound tokens (RFC 9449) sent as
	// "Authorization: DPoP <token>" with a DPoP proof header checked by
	// it, and challenges with both schemes. Whether or not it is set, a
	// token bound to a DPoP key (cnf.jkt) is refused as a bearer token, and
	// a token bound to a TLS client certificate (cnf["x5t#S256"], RFC 8705)
	// is accepted only on a TLS connection, terminated by this Go server,
	// presenting that certificate.
	DPoP *verify.DPoPVerifier

	// RequireDPoP refuses tokens that are not DPoP-bound. Needs DPoP.
	RequireDPoP bool

	// PublicURL is the API's external base URL, the start of the URI DPoP
	// proofs must name (htu): scheme, host, optional port, and the path
	// prefix a proxy in front removes, if any; the request's path as this
	// server received it follows. Set it behind a TLS-terminating proxy or
	// load balancer. Default: https when the connection is TLS, else http,
	// and the Host header.
	PublicURL string

	// Resource, when set, describes the API as an OAuth protected resource
	// (RFC 9728): ProtectedResourceMetadata serves its metadata, and every
	// challenge names where (resource_metadata).
	Resource *ProtectedResource

	// Observer, when set, gets one observe.BearerRefusal event per refused
	// request (RequireScope's and RequireToken's included): Refused, or
	// Failed for a 503, with the error code as Reason ("invalid_token",
	// "insufficient_scope", "invalid_request", "invalid_dpop_proof",
	// "use_dpop_nonce", "temporarily_unavailable"), or "no_token". Set the
	// same Observer in the verifier's configuration to see the tokens
	// accepted, and why one was invalid.
	Observer observe.Observer
}

// Error is a refused bearer request, as RFC 6750 §3 describes it.
type Error struct {
	Status      int    // 400, 401, 403 or 503
	Code        string // "invalid_request", "invalid_token", "insufficient_scope", "invalid_dpop_proof", "use_dpop_nonce", or "" (no token sent)
	Description string // short, safe to show the client
	Scope       string // the scopes required, for insufficient_scope
	Err         error  // the cause, for logs and errors.Is; never shown to the client
}

// Error describes the refusal, with its cause, for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return "bearer: " + e.Description + ": " + e.Err.Error()
	}
	return "bearer: " + e.Description
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Protect returns middleware that lets a request through only with a valid
// bearer token carrying every scope given; the token is then available to
// handlers through Token and Claims. It panics if v is nil (at wiring time,
// never while serving); use New for the other options.
func Protect(v verify.TokenVerifier, scopes ...string) func(http.Handler) http.Handler {
	mw, err := New(Config{Verifier: v, Scopes: scopes})
	if err != nil {
		panic(err)
	}
	return mw
}

// New returns bearer-token middleware configured by c.
func New(c Config) (func(http.Handler) http.Handler, error) {
	b, err := newBearer(c)
	if err != nil {
		return nil, err
	}
	return b.wrap, nil
}

// NewFor is New that also decodes each token's claims into the
// application's claims type T in the same pass as the verification
// (verify.VerifyInto): Claims[T] then returns that value without decoding
// the token again. A token whose claims do not fit T is refused (401
// invalid_token).
func NewFor[T any](c Config) (func(http.Handler) http.Handler, error) {
	b, err := newBearer(c)
	if err != nil {
		return nil, err
	}
	b.verify = func(ctx context.Context, raw string) (*verify.Token, any, error) {
		if v, ok := c.Verifier.(*verify.Verifier); ok {
			return verify.VerifyInto[T](ctx, v, raw)
		}
		t, err := c.Verifier.Verify(ctx, raw)
		if err != nil {
			return nil, nil, err
		}
		app := new(T)
		if err := t.Claims(app); err != nil {
			return nil, nil, fmt.Errorf("%w: the claims do not fit the application's claims type", verify.ErrInvalid)
		}
		return t, app, nil
	}
	return b.wrap, nil
}

func newBearer(c Config) (*bearer, error) {
	if c.Verifier == nil || reflect.ValueOf(c.Verifier).Kind() == reflect.Pointer && reflect.ValueOf(c.Verifier).IsNil() {
		return nil, errors.New("bearer: Config.Verifier is nil")
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") {
			return nil, errors.New("bearer: a scope is empty or holds a space, quote or backslash")
		}
	}
	if c.RequireDPoP && c.DPoP == nil {
		return nil, errors.New("bearer: Config.RequireDPoP needs DPoP")
	}
	b := &bearer{Config: c}
	b.verify = func(ctx context.Context, raw string) (*verify.Token, any, error) {
		t, err := c.Verifier.Verify(ctx, raw)
		return t, nil, err
	}
	var err error
	if b.publicURL, err = checkPublicURL(c.PublicURL); err != nil {
		return nil, err
	}
	if c.DPoP != nil {
		b.algs = strings.Join(c.DPoP.Algorithms(), " ")
	}
	if b.metadataURL, _, err = resourceMetadataURL(c.Resource); err != nil {
		return nil, err
	}
	if b.Realm == "" {
		b.Realm = "api"
	}
	b.Realm = quotable(b.Realm)
	if b.ErrorResponder == nil {
		b.ErrorResponder = WriteError
	}
	b.scope = strings.Join(c.Scopes, " ")
	return b, nil
}

type bearer struct {
	Config
	scope     string
	publicURL string // PublicURL checked, without a trailing slash
	algs      string // the DPoP algorithms, for the challenge
	// verify checks a token and returns, for NewFor, the
	// application's claims decoded in the same pass.
	verify func(ctx context.Context, raw string) (*verify.Token, any, error)

	metadataURL string // RFC 9728 metadata URL, for the challenge
}

func (b *bearer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, berr := b.extract(r)
		if berr != nil {
			b.refuse(w, r, berr)
			return
		}
		t, app, err := b.verify(r.Context(), raw)
		if err != nil {
			b.refuse(w, r, verifyError(err))
			return
		}
		nonce, berr := b.sender(r, raw, t)
		if nonce != "" {
			w.Header().Set("DPoP-Nonce", nonce)
		}
		if berr != nil {
			b.refuse(w, r, berr)
			return
		}
		if missing := missingScopes(t, b.Scopes); missing {
			b.refuse(w, r, &Error{Status: http.StatusForbidden, Code: "insufficient_scope",
				Description: "the token lacks a required scope", Scope: b.scope})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenCtx, &tokenValue{t: t, b: b, claims: app})))
	})
}

// extract finds the one token of the request (RFC 6750 §2).
func (b *bearer) extract(r *http.Request) (string, *Error) {
	var tok string
	places := 0
	if hs := r.Header.Values("Authorization"); len(hs) > 0 {
		if len(hs) > 1 {
			return "", badRequest("more than one Authorization header")
		}
		scheme, rest, _ := strings.Cut(hs[0], " ")
		if strings.EqualFold(scheme, "Bearer") || b.DPoP != nil && strings.EqualFold(scheme, "DPoP") {
			tok = strings.TrimLeft(rest, " ")
			if !isB64Token(tok) {
				return "", badRequest("the Authorization header is not \"Bearer <token>\"")
			}
			places++
		}
	}
	// Parse the query only when there is one: most requests have none.
	if r.URL.RawQuery != "" {
		if q := r.URL.Query(); q.Has("access_token") {
			if !b.InsecureAllowQueryToken {
				return "", badRequest("access tokens in the URL are not accepted; send an Authorization: Bearer header")
			}
			if len(q["access_token"]) > 1 {
				return "", badRequest("more than one access_token parameter")
			}
			tok = q.Get("access_token")
			places++
		}
	}
	if b.AllowFormToken && r.Method != http.MethodGet && r.Method != http.MethodHead && isForm(r) {
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return "", badRequest("the form body could not be read")
		}
		if vs := r.PostForm["access_token"]; len(vs) > 0 {
			if len(vs) > 1 {
				return "", badRequest("more than one access_token parameter")
			}
			tok = vs[0]
			places++
		}
	}
	switch places {
	case 0:
		return "", &Error{Status: http.StatusUnauthorized, Description: "a bearer token is required"}
	case 1:
		if tok == "" {
			return "", badRequest("the access token is empty")
		}
		return tok, nil
	}
	return "", badRequest("the request carries a token in more than one place")
}

// refuse reports the refusal, sets the challenge and hands the error to the
// responder.
func (b *bearer) refuse(w http.ResponseWriter, r *http.Request, e *Error) {
	if b.Observer != nil {
		ev := observe.Event{Kind: observe.BearerRefusal, Outcome: observe.Refused, Reason: e.Code}
		if e.Status == http.StatusServiceUnavailable {
			ev.Outcome = observe.Failed
		}
		if ev.Reason == "" {
			ev.Reason = "no_token"
		}
		b.Observer.Observe(r.Context(), ev)
	}
	if b.Logger != nil {
		b.Logger.LogAttrs(r.Context(), slog.LevelInfo, "bearer: request refused",
			slog.Int("status", e.Status), slog.String("reason", e.Error()), slog.String("path", r.URL.Path))
	}
	if e.Status != http.StatusServiceUnavailable {
		w.Header().Set("WWW-Authenticate", challenge(b.Realm, e))
		b.dpopChallenge(w, r, e)
		b.resourceChallenge(w)
	}
	b.ErrorResponder(w, r, e)
}

// challenge builds the WWW-Authenticate value (RFC 6750 §3).
func challenge(realm string, e *Error) string {
	var sb strings.Builder
	sb.WriteString(`Bearer realm="`)
	sb.WriteString(realm)
	sb.WriteByte('"')
	if e.Code != "" {
		sb.WriteString(`, error="`)
		sb.WriteString(e.Code)
		sb.WriteString(`", error_description="`)
		sb.WriteString(quotable(e.Description))
		sb.WriteByte('"')
	}
	if e.Scope != "" {
		sb.WriteString(`, scope="`)
		sb.WriteString(e.Scope)
		sb.WriteByte('"')
	}
	return sb.String()
}

// WriteError is the default responder: the status and a small JSON body
// {"error": …, "error_description": …}. It never writes a token, a remote
// body or an internal error message.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: "the token is invalid"}
	}
	code := e.Code
	if code == "" && e.Status == http.StatusUnauthorized {
		code = "unauthorized"
	}
	if e.Status == http.StatusServiceUnavailable {
		// The keys (or the introspection endpoint) could not be reached;
		// verify asks the JWKS endpoint again at most 2 s later
		// (ProviderConfig.KeyMissInterval).
		w.Header().Set("Retry-After", "2")
	}
	endpoint.WriteJSONError(w, e.Status, code, e.Description)
}

// verifyError maps a Verify error to its RFC 6750 answer.
func verifyError(err error) *Error {
	if errors.Is(err, verify.ErrUnavailable) {
		return &Error{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Description: "the token issuer is unavailable; try again later", Err: err}
	}
	desc := "the token is invalid"
	if errors.Is(err, verify.ErrInvalid) {
		// The verify messages are fixed strings naming the failed check.
		desc = err.Error()
	}
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: desc, Err: err}
}

func badRequest(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
}

func missingScopes(t *verify.Token, want []string) bool {
	for _, s := range want {
		if !t.HasScope(s) {
			return true
		}
	}
	return false
}

// b64tokenChars marks the characters RFC 6750's b64token allows before its
// trailing '=' padding.
var b64tokenChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~+/" {
		t[c] = true
	}
	return t
}()

// isB64Token reports whether s matches RFC 6750's b64token.
func isB64Token(s string) bool {
	i := 0
	for i < len(s) && b64tokenChars[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// quotable drops the characters RFC 6750 §3 does not allow inside a quoted
// challenge value (", \ and controls).
func quotable(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
