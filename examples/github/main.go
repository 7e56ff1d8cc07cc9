// Command github is "Sign in with GitHub": plain OAuth 2.0 (no ID token),
// the user read from GitHub's user API, with GitHub's form-encoded token
// responses.
//
// Environment:
//
//	ADDR                  listen address (default 127.0.0.1:8082)
//	GITHUB_CLIENT_ID      an OAuth app's client ID (github.com/settings/developers).
//	                      When unset, an in-process test provider behaving like
//	                      GitHub is used instead.
//	GITHUB_CLIENT_SECRET  and its secret
//	GITHUB_REDIRECT_URL   the app's callback URL (default http://ADDR/callback)
//
// Routes: GET /, GET /login, GET /callback, POST /logout, GET /me.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// GitHub's endpoints. GitHub publishes no discovery document.
var github = verify.Metadata{
	Issuer:                "https://github.com",
	AuthorizationEndpoint: "https://github.com/login/oauth/authorize",
	TokenEndpoint:         "https://github.com/login/oauth/access_token",
	UserinfoEndpoint:      "https://api.github.com/user",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "github:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	logger := slog.New(slog.NewTextHandler(out, nil))
	ln, err := net.Listen("tcp", serve.EnvOr(getenv, "ADDR", "127.0.0.1:8082"))
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()

	md, clientID, secret := github, getenv("GITHUB_CLIENT_ID"), getenv("GITHUB_CLIENT_SECRET")
	if clientID == "" {
		// A stand-in that answers like GitHub: no ID token, form-encoded
		// token responses, a user API.
		demo := oidctest.NewServer()
		defer demo.Close()
		demo.Set(func(b *oidctest.Behavior) { b.OmitIDToken, b.FormEncodedTokenResponse = true, true })
		md = verify.Metadata{Issuer: demo.URL, AuthorizationEndpoint: demo.URL + "/authorize",
			TokenEndpoint: demo.URL + "/token", UserinfoEndpoint: demo.URL + "/userinfo"}
		clientID, secret = demo.ClientID, demo.ClientSecret
		fmt.Fprintf(out, "No GITHUB_CLIENT_ID set: using an in-process stand-in for GitHub. Open %s/\n", base)
	}
	provider, err := verify.NewProvider(ctx, verify.ProviderConfig{Issuer: md.Issuer, Metadata: &md})
	if err != nil {
		return err
	}
	key := make([]byte, 64)
	rand.Read(key)
	store, err := session.NewCookieStore(key[:32], key[32:])
	if err != nil {
		return err
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		return err
	}
	redirect := getenv("GITHUB_REDIRECT_URL")
	if redirect == "" {
		redirect = base + "/callback"
	}
	subject := "id" // GitHub's stable numeric user ID
	if getenv("GITHUB_CLIENT_ID") == "" {
		subject = "sub"
	}
	auth, err := login.New(login.Config{
		Provider: provider, ClientID: clientID, ClientSecret: secret,
		AuthStyle:    verify.ClientSecretPost, // what GitHub documents
		RedirectURL:  redirect,
		Scopes:       []string{"read:user"},
		SubjectClaim: subject,
		Sessions:     sessions,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Sign in with GitHub</title><p><a href="/login?return_to=/me">Sign in with GitHub</a></p>`)
	})
	mux.HandleFunc("GET /login", auth.Login)
	mux.HandleFunc("GET /callback", auth.Callback)
	mux.HandleFunc("POST /logout", auth.Logout)
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		w.Header().Set("Content-Type", "application/json")
		var user map[string]any
		_ = json.Unmarshal(s.Claims, &user)
		_ = json.NewEncoder(w).Encode(map[string]any{"subject": s.Subject, "login": user["login"], "name": user["name"]})
	})))
	fmt.Fprintf(out, "github: listening on %s\n", base)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serve.Serve(ctx, ln, mux)
}
