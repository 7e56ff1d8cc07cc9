package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Config is what the app needs to know about its provider and itself.
type Config struct {
	// Issuer is the OpenID provider; ClientID and ClientSecret are this
	// app's credentials there.
	Issuer, ClientID, ClientSecret string
	// BaseURL is where the app is served, e.g. "http://127.0.0.1:8080";
	// the callback registered at the provider is BaseURL + "/callback".
	BaseURL string
	// Audience is the aud every API token must carry.
	Audience string
	// HashKey and BlockKey (32 bytes each) sign and encrypt the session
	// cookie.
	HashKey, BlockKey []byte
}

// App is the Gatehouse half of the example, the same for every router: the
// browser login (Auth: Login, Callback, Logout, Require) and the API
// protection (Bearer; routes add RequireScope). Each router file only wires
// these, with Account and Claims, onto its routes:
//
//	GET  /login, GET /callback, POST /logout   Auth.Login, Auth.Callback, Auth.Logout
//	GET  /account                              Auth.Require(Account)
//	GET  /api/me                               Bearer(Claims)
//	GET  /api/admin                            Bearer(RequireScope("admin")(Claims))
type App struct {
	// Auth is the browser login.
	Auth *login.Auth
	// Bearer lets through only requests with a valid access token.
	Bearer func(http.Handler) http.Handler

	provider *verify.Provider
}

// NewApp discovers the provider and builds the login and the API protection.
func NewApp(ctx context.Context, c Config) (*App, error) {
	if c.ClientID == "" || c.Audience == "" || c.BaseURL == "" {
		return nil, errors.New("routers: Config needs ClientID, Audience and BaseURL")
	}
	provider, err := verify.Discover(ctx, c.Issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("discovering %s: %w", c.Issuer, err)
	}
	app, err := build(c, provider)
	if err != nil {
		provider.Close()
		return nil, err
	}
	return app, nil
}

// build makes the login and the API protection on a discovered provider.
func build(c Config, provider *verify.Provider) (*App, error) {
	store, err := session.NewCookieStore(c.HashKey, c.BlockKey)
	if err != nil {
		return nil, err
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		return nil, err
	}
	auth, err := login.New(login.Config{
		Provider: provider, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RedirectURL: c.BaseURL + "/callback", Sessions: sessions,
	})
	if err != nil {
		return nil, err
	}
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{c.Audience}}, provider)
	if err != nil {
		return nil, err
	}
	return &App{Auth: auth, Bearer: bearer.Protect(verifier), provider: provider}, nil
}

// Close stops the provider's key refreshes.
func (a *App) Close() { a.provider.Close() }

var accountPage = template.Must(template.New("account").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Account</title></head><body>
<p id="status">Signed in as <strong id="user">{{.}}</strong>.</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</body></html>
`))

// Account is the page behind Auth.Require: who is signed in, and a sign-out
// button.
func Account(w http.ResponseWriter, r *http.Request) {
	s, ok := login.Session(r.Context())
	if !ok { // wired without Auth.Require
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = accountPage.Execute(w, s.Subject)
}

// Claims is the API handler behind Bearer: the verified token's claims as
// JSON.
func Claims(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer.Token(r.Context())
	if !ok { // wired without Bearer
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(tok.RawClaims())
}
