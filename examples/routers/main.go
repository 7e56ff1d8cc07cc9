// Command routers is one small app, wired into six routers: net/http's
// ServeMux (mux.go), chi (chi.go), gorilla/mux (gorillamux.go), echo
// (echo.go), gin (gin.go, with GinMiddleware, the adapter gin needs) and
// huma (huma.go, scopes per operation from its OpenAPI Security). The app
// (app.go) is a browser login, a page behind it, and an API behind bearer
// tokens with a route that needs the scope "admin":
//
//	GET  /login, GET /callback, POST /logout   the login
//	GET  /account                              the signed-in user's page
//	GET  /api/me                               the token's claims (bearer)
//	GET  /api/admin                            the same, with scope "admin"
//
// It is a module of its own so that the routers stay out of Gatehouse's
// go.mod. Run it from this folder:
//
//	ROUTER=gin go run .
//
// Environment:
//
//	ROUTER              mux, chi, gorillamux, echo, gin or huma (default mux)
//	ADDR                listen address (default 127.0.0.1:8082); the
//	                    callback registered at the provider is http://ADDR/callback
//	OIDC_ISSUER         the OpenID provider. When unset, an in-process test
//	                    provider (oidctest) is started: its login form takes
//	                    any username, and two curl commands are printed.
//	OIDC_CLIENT_ID      this app's client ID at the provider
//	OIDC_CLIENT_SECRET  and its secret
//	API_AUDIENCE        the aud every API token must carry ("api" with the
//	                    test provider)
//
// The session keys are random per start: sessions end when it stops.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// routers are the wirings, by the name ROUTER takes.
var routers = map[string]func(*App) http.Handler{
	"mux": Mux, "chi": Chi, "gorillamux": GorillaMux, "echo": Echo, "gin": Gin, "huma": Huma,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "routers:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when not nil, is told the bound address.
func run(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	name := serve.EnvOr(getenv, "ROUTER", "mux")
	wire, ok := routers[name]
	if !ok {
		return fmt.Errorf("ROUTER=%q: want one of %v", name, slices.Sorted(maps.Keys(routers)))
	}
	c := Config{Issuer: getenv("OIDC_ISSUER"), ClientID: getenv("OIDC_CLIENT_ID"),
		ClientSecret: getenv("OIDC_CLIENT_SECRET"), Audience: getenv("API_AUDIENCE"),
		HashKey: randomKey(), BlockKey: randomKey()}
	var demo *oidctest.Server
	if c.Issuer == "" {
		demo = oidctest.NewServer()
		defer demo.Close()
		c.Issuer, c.ClientID, c.ClientSecret = demo.URL, demo.ClientID, demo.ClientSecret
		c.Audience = serve.EnvOr(getenv, "API_AUDIENCE", "api")
	}
	ln, err := net.Listen("tcp", serve.EnvOr(getenv, "ADDR", "127.0.0.1:8082"))
	if err != nil {
		return err
	}
	defer ln.Close()
	c.BaseURL = "http://" + ln.Addr().String()

	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	app, err := NewApp(dctx, c)
	if err != nil {
		return err
	}
	defer app.Close()

	fmt.Fprintf(out, "routers: %s listening on %s (issuer %s)\n", name, c.BaseURL, c.Issuer)
	if demo != nil {
		fmt.Fprintf(out, "\nNo OIDC_ISSUER set: using an in-process test provider. Open %s/account and sign in with any username, or:\n\n", c.BaseURL)
		fmt.Fprintf(out, "  curl -i -H 'Authorization: Bearer %s' %s/api/me\n\n", demo.AccessToken("alice", c.Audience), c.BaseURL)
		fmt.Fprintf(out, "  curl -i -H 'Authorization: Bearer %s' %s/api/admin\n\n", demo.AccessToken("root", c.Audience, "admin"), c.BaseURL)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serve.Serve(ctx, ln, wire(app))
}

// randomKey returns 32 random bytes.
func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}
