package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// Config configures an Auth: browser login with one provider.
type Config struct {
	// Provider is the OpenID provider (verify.Discover) or, for a plain
	// OAuth 2.0 provider, a verify.NewProvider with hand-written Metadata
	// (authorization, token and userinfo endpoints).
	Provider *verify.Provider

	// ClientID and ClientSecret are this application's credentials at the
	// provider.
	ClientID, ClientSecret string

	// AuthStyle is how the client authenticates at the token, revocation
	// and pushed authorization request endpoints. Default
	// verify.ClientSecretBasic.
	AuthStyle verify.AuthStyle
	// ClientKey signs the client assertions when AuthStyle is
	// verify.PrivateKeyJWT; ClientSecret is then not needed and never sent.
	ClientKey verify.ClientKey
	// ClientSecretFunc, when set, gives the client secret for each token,
	// revocation and pushed authorization request instead of ClientSecret:
	// for a secret that changes, as Sign in with Apple's
	// (AppleClientSecret). AuthStyle must be verify.ClientSecretPost.
	ClientSecretFunc func() (string, error)

	// RedirectURL is the callback URL registered at the provider, e.g.
	// "https://app.example.com/callback": https, or plain http on a
	// loopback address for local development. A path alone ("/callback")
	// is completed from each request's scheme and host; see
	// TrustForwardedHeaders. Cookies are Secure and "__Host-" prefixed
	// either way (the session package never decides from a request);
	// browsers accept them from http://localhost and 127.0.0.1.
	RedirectURL string

	// Scopes requested. Default "openid profile email". Without "openid"
	// the provider is treated as plain OAuth 2.0: no ID token, the user
	// comes from the userinfo endpoint.
	Scopes []string

	// AuthParams are extra authorization-request parameters (prompt,
	// login_hint, hd, audience, …), one value each. New refuses any that
	// Gatehouse sets itself (state, nonce, PKCE, redirect_uri, client_id,
	// response_type, scope).
	AuthParams url.Values

	// MaxAge, when positive, asks the provider to authenticate the user
	// again when their last authentication is older (max_age, OpenID
	// Connect Core §3.1.2.1), and makes the callback refuse an ID token
	// without auth_time, or whose auth_time is older than MaxAge plus one
	// minute of leeway (§3.1.3.7 step 11). Whole seconds.
	MaxAge time.Duration

	// PushedAuthorization sends the authorization request's parameters to
	// the provider's pushed_authorization_request_endpoint, with client
	// authentication, and redirects the browser with the request_uri
	// answered (RFC 9126). Used whatever this says when the provider
	// advertises require_pushed_authorization_requests; New fails when the
	// provider has no such endpoint.
	PushedAuthorization bool

	// FormPost asks the provider to answer with response_mode=form_post
	// (OAuth 2.0 Form Post Response Mode): the browser brings the code in
	// a cross-site POST to RedirectURL, which Callback relays to a GET of
	// RedirectURL (where the session cookie comes along, so the login ends
	// the browser's previous session): route both POST and GET there to
	// Callback.
	// Sign in with Apple needs it when it is asked for name or email. The
	// login's flow cookie is then SameSite=None, which browsers accept only
	// with Secure: New requires an absolute https RedirectURL.
	FormPost bool

	// TokenParams are extra parameters of the code exchange at the token
	// endpoint, one value each, e.g. RFC 8707 "resource" so the access
	// token is a JWT for your API. New refuses the ones Gatehouse sets
	// (code, grant_type, code_verifier, redirect_uri, client credentials).
	// Refresh requests go through x/oauth2, which sends none: providers
	// then reuse the resources of the grant.
	TokenParams url.Values

	// IDTokenAlgorithms narrows the JWS algorithms accepted for ID tokens
	// and back-channel logout tokens, e.g. {"ES256"} when the provider
	// signs with nothing else. Even unset, those tokens must use an
	// algorithm the provider advertises in
	// id_token_signing_alg_values_supported (RS256 when it advertises
	// none) that verify.Config allows by default; New fails when none is
	// left.
	IDTokenAlgorithms []string

	// Sessions keeps the login state. Required; several Auths (one per
	// provider) may share one Manager.
	Sessions *session.Manager

	// Name tells providers apart in a shared session; default the issuer.
	Name string

	// FetchUserinfo also fetches the userinfo endpoint at login; its claims
	// are merged over the ID token's, and its sub must equal the ID
	// token's. Always on for plain OAuth 2.0 providers.
	FetchUserinfo bool

	// SubjectClaim names the userinfo claim holding the user's stable ID for
	// plain OAuth 2.0 providers, e.g. "id" for GitHub. Default "sub".
	SubjectClaim string

	// HTTPClient makes every call to the provider. Default: the
	// Provider's client. A client without a Timeout is given 10 s.
	HTTPClient *http.Client

	// RefreshMargin refreshes an access token that expires within it,
	// before the handler runs. Default 1 minute. It is capped at half the
	// token's lifetime (as ClientConfig.ExpiryMargin is), so a token is
	// refreshed about once per lifetime however short it lives.
	RefreshMargin time.Duration

	// DefaultTokenLifetime is assumed for access tokens whose response has
	// no expires_in. Default 1 hour.
	DefaultTokenLifetime time.Duration

	// LoginPath is where Require sends browsers without a session. Default
	// "/login".
	LoginPath string

	// PostLogoutRedirectURL is where the provider sends the browser after
	// logout (registered at the provider), or where Logout redirects when
	// the provider has no end_session_endpoint. Default "/".
	PostLogoutRedirectURL string

	// TrustForwardedHeaders builds absolute URLs (a path-only RedirectURL)
	// from X-Forwarded-Proto and X-Forwarded-Host. Enable it only behind a
	// proxy that sets these headers itself, overwriting the client's.
	TrustForwardedHeaders bool

	// AfterLogin, when set, runs after the provider's answer is verified
	// and before the session is saved: it may change the session (map
	// roles, drop claims) or refuse the user by returning an error (403).
	AfterLogin func(ctx context.Context, s *session.Session) error

	// AfterRefresh, when set, runs after tokens were refreshed and before
	// they are saved.
	AfterRefresh func(ctx context.Context, s *session.Session) error

	// ErrorResponder writes the page for a failed login step, given an
	// *AuthError. Default WriteAuthError.
	ErrorResponder func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives login, refresh and logout events and failures
	// (never tokens or secrets). Default: no logging.
	Logger *slog.Logger

	// Observer, when set, gets one observe.Event per login step, with the
	// provider's issuer: LoginStart (the redirect to the provider), Login
	// (the callback), Logout, each OK, or Refused (4xx) or Failed (5xx)
	// with the error page's code as Reason ("invalid_state",
	// "login_cookie_missing", "access_denied", "invalid_grant", …; a
	// provider's code outside the OAuth and OpenID Connect ones is
	// "provider_error"); Refresh with its Duration, OK, Refused
	// ("invalid_grant": the session ends; "token_rejected") or Failed
	// ("unavailable", "unreachable", …); BackchannelLogout, OK with the
	// sessions ended as Count (0 with a store that cannot count them, as
	// the cookie store), or Refused or Failed.
	Observer observe.Observer

	// Now returns the current time; for tests. Default time.Now.
	Now func() time.Time
}

// Auth is browser login with one provider: the Login, Callback and Logout
// endpoints, and the Require and Optional middleware.
type Auth struct {
	c        Config
	oauth    oauth2.Config
	verifier *verify.Verifier // nil for plain OAuth 2.0
	md       verify.Metadata
	client   *http.Client
	tokens   *http.Client      // client, adding client assertions under verify.PrivateKeyJWT
	formAuth endpoint.FormAuth // verify.PrivateKeyJWT's or ClientSecretFunc's; nil otherwise
	log      *slog.Logger
	openid   bool
	par      bool // pushed authorization requests (RFC 9126)

	mu      sync.Mutex
	pending refreshResults // refresh-token hash → refresh under way or just done
	jtis    jtiCache       // logout tokens seen
}

// New checks c and returns an Auth.
func New(c Config) (*Auth, error) {
	switch {
	case c.Provider == nil:
		return nil, errors.New("login: Config.Provider is nil")
	case c.Sessions == nil:
		return nil, errors.New("login: Config.Sessions is nil")
	case c.ClientID == "":
		return nil, errors.New("login: Config.ClientID is empty")
	case c.RedirectURL == "":
		return nil, errors.New("login: Config.RedirectURL is empty")
	}
	if err := checkParams("AuthParams", c.AuthParams, reservedParams); err != nil {
		return nil, err
	}
	if err := checkParams("TokenParams", c.TokenParams, reservedTokenParams); err != nil {
		return nil, err
	}
	u, err := url.Parse(c.RedirectURL)
	switch {
	case err != nil || (u.Host == "" && (len(u.Path) == 0 || u.Path[0] != '/')):
		return nil, fmt.Errorf("login: Config.RedirectURL %q is neither an absolute URL nor a path", c.RedirectURL)
	case u.Host != "" && u.Scheme != "https" && !(u.Scheme == "http" && verify.IsLoopback(u.Hostname())):
		return nil, fmt.Errorf("login: Config.RedirectURL %q must be https (plain http only on a loopback address, for development): the code and the Secure cookies need it", c.RedirectURL)
	}
	a := &Auth{c: c, md: c.Provider.Metadata()}
	if a.md.AuthorizationEndpoint == "" || a.md.TokenEndpoint == "" {
		return nil, errors.New("login: the provider has no authorization or token endpoint")
	}
	if len(a.c.Scopes) == 0 {
		a.c.Scopes = []string{"openid", "profile", "email"}
	}
	a.openid = slices.Contains(a.c.Scopes, "openid")
	if !a.openid && a.md.UserinfoEndpoint == "" {
		return nil, errors.New("login: without the openid scope the user comes from the userinfo endpoint, and the provider has none")
	}
	if a.openid && a.md.JWKSURI == "" {
		return nil, errors.New("login: the provider publishes no jwks_uri, so no ID token could be verified: every login would fail (a plain OAuth 2.0 provider takes Scopes without \"openid\")")
	}
	if a.c.Name == "" {
		a.c.Name = a.md.Issuer
	}
	if a.c.SubjectClaim == "" {
		a.c.SubjectClaim = "sub"
	}
	a.c.RefreshMargin = endpoint.PositiveOr(a.c.RefreshMargin, time.Minute)
	a.c.DefaultTokenLifetime = endpoint.PositiveOr(a.c.DefaultTokenLifetime, time.Hour)
	if a.c.LoginPath == "" {
		a.c.LoginPath = "/login"
	}
	if a.c.PostLogoutRedirectURL == "" {
		a.c.PostLogoutRedirectURL = "/"
	}
	if a.c.ErrorResponder == nil {
		a.c.ErrorResponder = WriteAuthError
	}
	if a.c.Now == nil {
		a.c.Now = time.Now
	}
	a.log = a.c.Logger
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.client = c.HTTPClient
	if a.client == nil {
		a.client = c.Provider.HTTPClient()
	}
	a.client = endpoint.WithTimeout(a.client)
	as, err := endpoint.NewAssertion("login: Config", c.AuthStyle, c.ClientKey, c.ClientID, a.md.TokenEndpoint)
	switch {
	case err != nil:
		return nil, err
	case as != nil:
		a.formAuth = as.Authenticate
	case c.ClientSecretFunc != nil && c.AuthStyle != verify.ClientSecretPost:
		return nil, errors.New("login: Config.ClientSecretFunc needs AuthStyle ClientSecretPost")
	case c.ClientSecretFunc != nil:
		a.formAuth = secretAuth(c.ClientID, c.ClientSecretFunc)
	}
	a.tokens = a.client
	if a.formAuth != nil {
		a.tokens = endpoint.WithFormAuth(a.client, a.formAuth)
	}
	a.oauth = oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   a.md.AuthorizationEndpoint,
			TokenURL:  a.md.TokenEndpoint,
			AuthStyle: endpoint.OAuth2Style(c.AuthStyle),
		},
		Scopes: a.c.Scopes,
	}
	if err := a.checkAuthRequest(); err != nil {
		return nil, err
	}
	if a.openid {
		v, err := verify.NewVerifier(verify.Config{ClientID: c.ClientID, IDTokenAlgorithms: c.IDTokenAlgorithms, Now: a.c.Now, CacheSize: -1}, c.Provider)
		if err != nil {
			return nil, err
		}
		a.verifier = v
	}
	return a, nil
}

// ctx returns a context whose x/oauth2 calls use the Auth's HTTP client.
func (a *Auth) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, a.tokens)
}

// redirectURL completes a path-only RedirectURL from the request.
func (a *Auth) redirectURL(r *http.Request) string {
	if u, _ := url.Parse(a.c.RedirectURL); u.Host != "" {
		return a.c.RedirectURL
	}
	return a.origin(r) + a.c.RedirectURL
}

// origin is the scheme and host the browser used.
func (a *Auth) origin(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if a.c.TrustForwardedHeaders {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	return scheme + "://" + host
}

// firstValue is the first of comma-separated values (proxies append).
func firstValue(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			s = s[:i]
			break
		}
	}
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// fail logs err and hands it to the responder; "Try again" leads to the
// login unless the handler knew better.
func (a *Auth) fail(w http.ResponseWriter, r *http.Request, e *AuthError) {
	if e.Retry == "" {
		e.Retry = a.c.LoginPath
	}
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	a.log.LogAttrs(r.Context(), level, "gatehouse: "+e.Message, slog.Int("status", e.Status),
		slog.String("code", e.Code), slog.String("provider", a.c.Name), slog.Any("error", e.Err))
	a.failed(r, e)
	a.c.ErrorResponder(w, r, e)
}

// reservedTokenParams cannot be set through Config.TokenParams.
var reservedTokenParams = map[string]bool{
	"code": true, "grant_type": true, "code_verifier": true, "redirect_uri": true,
	"client_id": true, "client_secret": true, "refresh_token": true,
}

// checkParams refuses extra parameters that would be dropped: one that
// Gatehouse sets itself, or a second value (x/oauth2 sends one per name).
func checkParams(field string, params url.Values, reserved map[string]bool) error {
	for k, vs := range params {
		switch {
		case reserved[k]:
			return fmt.Errorf("login: Config.%s cannot set %q: Gatehouse sets it", field, k)
		case len(vs) > 1:
			return fmt.Errorf("login: Config.%s[%q] has %d values; only one value per parameter can be sent", field, k, len(vs))
		}
	}
	return nil
}
