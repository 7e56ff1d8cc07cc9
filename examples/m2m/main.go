// Command m2m calls an API machine-to-machine with the client-credentials
// grant: one token, cached and renewed before it expires.
//
// Environment:
//
//	TOKEN_URL           the provider's token endpoint. When unset, an
//	                    in-process test provider and a bearer-protected API
//	                    are started.
//	OIDC_CLIENT_ID      this client's ID
//	OIDC_CLIENT_SECRET  and its secret
//	OIDC_SCOPES         space-separated scopes
//	API_URL             the API to call (GET)
//	AUTH_STYLE          basic (default) or post
//	CALLS               how many calls to make (default 5)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "m2m:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	tokenURL, apiURL := getenv("TOKEN_URL"), getenv("API_URL")
	id, secret := getenv("OIDC_CLIENT_ID"), getenv("OIDC_CLIENT_SECRET")
	var tokenRequests func() int
	var apiCalls atomic.Int64
	if tokenURL == "" {
		op := oidctest.NewServer()
		defer op.Close()
		api, err := demoAPI(ctx, op, &apiCalls)
		if err != nil {
			return err
		}
		defer api.Close()
		tokenURL, apiURL, id, secret = op.URL+"/token", api.URL+"/reports", op.ClientID, op.ClientSecret
		tokenRequests = func() int { return op.Count("token:client_credentials") }
		fmt.Fprintf(out, "No TOKEN_URL set: using an in-process provider (%s) and API (%s).\n", op.URL, api.URL)
	}
	if apiURL == "" || id == "" {
		return errors.New("API_URL and OIDC_CLIENT_ID are required with TOKEN_URL")
	}
	style := middleware.ClientSecretBasic
	switch getenv("AUTH_STYLE") {
	case "", "basic":
	case "post":
		style = middleware.ClientSecretPost
	default:
		return errors.New("AUTH_STYLE must be basic or post")
	}
	calls := 5
	if v := getenv("CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("CALLS must be a positive number")
		}
		calls = n
	}
	client, err := middleware.NewClient(middleware.ClientConfig{
		TokenURL: tokenURL, ClientID: id, ClientSecret: secret,
		Scopes: strings.Fields(getenv("OIDC_SCOPES")), AuthStyle: style,
	})
	if err != nil {
		return err
	}
	for i := range calls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("call %d: %w", i+1, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		fmt.Fprintf(out, "call %d: %d %s\n", i+1, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if tokenRequests != nil {
		fmt.Fprintf(out, "token requests made: %d, API calls made: %d\n", tokenRequests(), apiCalls.Load())
	}
	return nil
}

// demoAPI is a bearer-protected API like examples/api, in-process.
func demoAPI(ctx context.Context, op *oidctest.Server, calls *atomic.Int64) (*httptest.Server, error) {
	p, err := verify.Discover(ctx, op.URL, nil)
	if err != nil {
		return nil, err
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		return nil, err
	}
	h := middleware.Bearer(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		tok, _ := middleware.Token(r.Context())
		fmt.Fprintf(w, `{"report":"ok","client":%q}`, tok.Subject)
	}))
	return httptest.NewServer(h), nil
}
