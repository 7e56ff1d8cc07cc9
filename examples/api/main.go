// Command api is a resource server that protects its routes with bearer JWT
// access tokens, verified against an OpenID provider's published keys.
//
// Environment:
//
//	ADDR          listen address (default 127.0.0.1:8081)
//	OIDC_ISSUER   the token issuer; discovery finds its jwks_uri. When unset,
//	              an in-process test provider (oidctest) is started and two
//	              ready curl commands are printed.
//	API_AUDIENCE  the aud every token must carry (required with OIDC_ISSUER;
//	              "api" with the test provider)
//	ACCESS_TOKEN_TYPE
//	              the typ header every token must carry (default "at+jwt",
//	              RFC 9068 access tokens, which ID tokens never are). "any"
//	              accepts every typ, for providers whose access tokens say
//	              "JWT"; then OIDC_CLIENT_IDS is required.
//	OIDC_CLIENT_IDS
//	              with ACCESS_TOKEN_TYPE=any: the client IDs of the apps that
//	              sign users in at this provider (space-separated). Their ID
//	              tokens carry them as aud, so a token whose aud names one is
//	              refused, and API_AUDIENCE may not be one of them.
//
// Routes:
//
//	GET /public  200 for anyone
//	GET /me      200 with the token's claims as JSON; 401 without a valid token
//	GET /admin   as /me, and the token needs scope "admin" (else 403)
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when not nil, is told the bound address.
func run(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	addr := serve.EnvOr(getenv, "ADDR", "127.0.0.1:8081")
	issuer, audience := getenv("OIDC_ISSUER"), getenv("API_AUDIENCE")

	var demo *oidctest.Server
	if issuer == "" {
		demo = oidctest.NewServer()
		defer demo.Close()
		issuer = demo.URL
		if audience == "" {
			audience = "api"
		}
	}
	if audience == "" {
		return errors.New("API_AUDIENCE is required: the aud value your tokens carry")
	}

	typ, notIDTokens, err := tokenTyping(getenv, audience)
	if err != nil {
		return err
	}

	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	provider, err := verify.Discover(dctx, issuer, nil)
	if err != nil {
		return fmt.Errorf("discovering %s: %w", issuer, err)
	}
	defer provider.Close()
	verifier, err := verify.NewVerifier(verify.Config{Audiences: []string{audience}, Type: typ}, provider)
	if err != nil {
		return err
	}

	logger := slog.New(slog.NewTextHandler(out, nil))
	api, err := bearer.New(bearer.Config{Verifier: verifier, Logger: logger})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"message": "hello, anyone"})
	})
	protect := func(h http.Handler) http.Handler { return api(notIDTokens(h)) }
	mux.Handle("GET /me", protect(http.HandlerFunc(claims)))
	mux.Handle("GET /admin", protect(bearer.RequireScope("admin")(http.HandlerFunc(claims))))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "api: listening on %s (issuer %s, audience %q, typ %q)\n", base, issuer, audience, cmp.Or(typ, "any"))
	if demo != nil {
		user := demo.AccessToken("alice", audience, "read")
		admin := demo.AccessToken("root", audience, "read", "admin")
		fmt.Fprintf(out, "\nNo OIDC_ISSUER set: using an in-process test provider. Try:\n\n")
		fmt.Fprintf(out, "  curl -i -H 'Authorization: Bearer %s' %s/me\n\n", user, base)
		fmt.Fprintf(out, "  curl -i -H 'Authorization: Bearer %s' %s/admin\n\n", admin, base)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serve.Serve(ctx, ln, mux)
}

// claims answers with the verified token's claims, as the token carries
// them (no decode and re-encode per request).
func claims(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer.Token(r.Context())
	if !ok {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(tok.RawClaims())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
