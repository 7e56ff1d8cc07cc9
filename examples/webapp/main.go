// Command webapp is a web application with "Sign in with …": the
// authorization code flow with PKCE against any OpenID provider, a session
// cookie, automatic refresh and logout.
//
// Environment:
//
//	ADDR                listen address (default 127.0.0.1:8080)
//	OIDC_ISSUER         the OpenID provider. When unset, an in-process test
//	                    provider (oidctest) is started: its login form takes
//	                    any username.
//	OIDC_CLIENT_ID      this app's client ID at the provider
//	OIDC_CLIENT_SECRET  and its secret
//	OIDC_REDIRECT_URL   the registered callback (default http://ADDR/callback)
//	OIDC_SCOPES         space-separated (default "openid profile email")
//	SESSION_KEY         hex, at least 32 bytes, signs and encrypts the session
//	                    cookie (random with a warning when unset: sessions
//	                    then end when the program stops; replicas must share it)
//	REDIS_URL           optional, e.g. redis://127.0.0.1:6379/0: keep sessions
//	                    in Redis (several replicas, back-channel logout);
//	                    checked with a PING at start, which must answer
//	                    within 3 s
//
//	OIDC_AUTH_STYLE     basic (default) or post: how the secret is sent
//	OIDC_FETCH_USERINFO true: merge the userinfo answer into the claims
//	OIDC_AUTH_PARAMS    extra authorization request parameters, "a=1&b=2"
//	OIDC_TOKEN_PARAMS   extra token request parameters, "a=1&b=2"
//
// "Sign in with …" chooser: each provider of the catalogue
// (middleware/providers) whose NAME_CLIENT_ID is set gets a button and the
// routes GET /login/name and GET /callback/name, sharing the session:
// NAME is GOOGLE (GOOGLE_HD), MICROSOFT (MICROSOFT_TENANT, default common),
// GITHUB, GITLAB (GITLAB_URL), OKTA (OKTA_DOMAIN, OKTA_AUTH_SERVER), AUTH0
// (AUTH0_DOMAIN, AUTH0_AUDIENCE) or KEYCLOAK (KEYCLOAK_URL, KEYCLOAK_REALM),
// each with NAME_CLIENT_SECRET, NAME_REDIRECT_URL (default
// http://ADDR/callback/name) and the NAME_AUTH_STYLE, NAME_FETCH_USERINFO,
// NAME_AUTH_PARAMS and NAME_TOKEN_PARAMS above.
//
// Routes: GET / (public), GET /login[?return_to=/path], GET /callback,
// POST /logout, GET /me (the signed-in user's ID-token claims as JSON, or a
// redirect to login), POST /backchannel-logout (the provider's back-channel
// logout).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/middleware/login"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when not nil, is told the bound address.
func run(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	logger := slog.New(slog.NewTextHandler(out, nil))
	ln, err := net.Listen("tcp", serve.EnvOr(getenv, "ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()

	issuer, clientID, secret := getenv("OIDC_ISSUER"), getenv("OIDC_CLIENT_ID"), getenv("OIDC_CLIENT_SECRET")
	var demo *oidctest.Server
	if issuer == "" {
		demo = oidctest.NewServer()
		defer demo.Close()
		issuer, clientID, secret = demo.URL, demo.ClientID, demo.ClientSecret
	}
	if clientID == "" {
		ln.Close()
		return errors.New("OIDC_CLIENT_ID is required with OIDC_ISSUER")
	}

	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	provider, err := verify.Discover(dctx, issuer, nil)
	if err != nil {
		ln.Close()
		return fmt.Errorf("discovering %s: %w", issuer, err)
	}
	defer provider.Close()

	sessions, err := newSessions(ctx, getenv, logger)
	if err != nil {
		ln.Close()
		return err
	}
	redirect := serve.EnvOr(getenv, "OIDC_REDIRECT_URL", base+"/callback")
	warnRedirectHost(logger, redirect, ln.Addr().String())
	scopes := strings.Fields(getenv("OIDC_SCOPES"))
	cfg := login.Config{
		Provider:     provider,
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectURL:  redirect,
		Scopes:       scopes,
		Sessions:     sessions,
		Logger:       logger,
	}
	if err := providerOptions(getenv, "OIDC", &cfg); err != nil {
		ln.Close()
		return err
	}
	auth, err := login.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}

	mux := http.NewServeMux()
	choices, closeCatalogue, err := mountCatalogue(dctx, mux, getenv, base, sessions, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeCatalogue()
	home := homeHandler(choices)
	mux.Handle("GET /{$}", auth.LoggedOut(auth.Optional(home))) // LoggedOut checks the state of a return from RP-initiated logout
	mux.HandleFunc("GET /login", auth.Login)
	mux.HandleFunc("GET /callback", auth.Callback)
	mux.HandleFunc("POST /logout", auth.Logout)
	mux.HandleFunc("POST /backchannel-logout", auth.BackChannelLogout)
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(me)))

	fmt.Fprintf(out, "webapp: listening on %s (issuer %s)\n", base, issuer)
	if demo != nil {
		fmt.Fprintf(out, "\nNo OIDC_ISSUER set: using an in-process test provider. Open %s/ and sign in with any username.\n\n", base)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serve.Serve(ctx, ln, mux)
}

// warnRedirectHost warns when a loopback redirect URL names another host or
// port than the one listened on (localhost and 127.0.0.1 are two hosts to a
// browser): a login started at the listen address would keep its cookie
// there and never find it at the callback.
func warnRedirectHost(logger *slog.Logger, redirect, listen string) {
	u, err := url.Parse(redirect)
	if err != nil || !verify.IsLoopback(u.Hostname()) || strings.EqualFold(u.Host, listen) {
		return
	}
	logger.Warn("OIDC_REDIRECT_URL is on another host than the listen address: cookies are per host, so open the site at the redirect URL's host",
		"redirect_host", u.Host, "listen", listen)
}

// redisCheckTimeout bounds the PING that checks REDIS_URL at start.
const redisCheckTimeout = 3 * time.Second

// newSessions builds the session manager on an encrypted cookie store keyed
// from SESSION_KEY, or on Redis when REDIS_URL is set: a Redis that does
// not answer a PING within 3 s stops the start with an error naming its
// address (never the URL, which may hold a password).
func newSessions(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*session.Manager, error) {
	secret, err := hex.DecodeString(getenv("SESSION_KEY"))
	switch {
	case err != nil:
		return nil, errors.New("SESSION_KEY must be hex")
	case len(secret) == 0:
		secret = make([]byte, 32)
		rand.Read(secret)
		logger.Warn("SESSION_KEY is not set: using a random key; sessions end when the program stops")
	case len(secret) < 32:
		return nil, errors.New("SESSION_KEY must be at least 32 bytes (64 hex digits)")
	}
	keys, err := session.DeriveKeys(secret)
	if err != nil {
		return nil, err
	}
	if u := getenv("REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		client := redis.NewClient(opts)
		pctx, cancel := context.WithTimeout(ctx, redisCheckTimeout)
		err = client.Ping(pctx).Err()
		cancel()
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("REDIS_URL: Redis at %s does not answer (%v): start it, fix REDIS_URL, or unset it to keep sessions in cookies", opts.Addr, err)
		}
		store, err := redisstore.New(client, redisstore.Config{KeyPairs: keys})
		if err != nil {
			client.Close()
			return nil, err
		}
		logger.Info("sessions in Redis", "addr", opts.Addr)
		return session.New(session.Config{Store: store, FlowKeys: keys})
	}
	store, err := session.NewCookieStore(keys...)
	if err != nil {
		return nil, err
	}
	return session.New(session.Config{Store: store})
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse webapp</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
button,a.button{font:inherit;padding:.5rem 1rem;border:1px solid #345;border-radius:4px;background:#246;color:#fff;text-decoration:none;cursor:pointer}</style>
</head><body><h1>Gatehouse example</h1>
{{if .User}}<p id="status">Signed in as <strong id="user">{{.User}}</strong>.</p>
<p><a href="/me">See your claims</a></p>
<form method="post" action="/logout"><button id="logout" type="submit">Sign out</button></form>
{{else}}<p id="status">You are not signed in.</p>
<p><a class="button" id="login" href="/login?return_to=/me">Sign in</a></p>
{{range .Choices}}<p><a class="button" id="login-{{.Name}}" href="/login/{{.Name}}?return_to=/me">Sign in with {{.Label}}</a></p>
{{end}}{{end}}
</body></html>
`))

// homeHandler is the public home page: who is signed in, if anyone, or
// the sign-in buttons, one per configured catalogue provider after the
// OIDC_ISSUER one.
func homeHandler(choices []choice) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { home(w, r, choices) })
}

// home writes the home page.
func home(w http.ResponseWriter, r *http.Request, choices []choice) {
	var user string
	if s, ok := login.Session(r.Context()); ok {
		var c struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		}
		_ = s.ClaimsInto(&c)
		user = c.Name
		if user == "" {
			user = s.Subject
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = homePage.Execute(w, struct {
		User    string
		Choices []choice
	}{user, choices})
}

// me answers with the signed-in user's ID-token claims.
func me(w http.ResponseWriter, r *http.Request) {
	s, _ := login.Session(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	var claims map[string]any
	if err := json.Unmarshal(s.Claims, &claims); err != nil {
		claims = map[string]any{"sub": s.Subject}
	}
	_ = json.NewEncoder(w).Encode(claims)
}
