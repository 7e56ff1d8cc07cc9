// Command m2m calls an API machine-to-machine with the client-credentials
// grant (outbound.New): one token, fetched when first needed, reused
// by every call and renewed shortly before it expires.
//
// Environment:
//
//	TOKEN_URL           the provider's token endpoint. When unset, an
//	                    in-process test provider (oidctest) and a
//	                    bearer-protected API (like examples/api) are started
//	                    and called.
//	OIDC_CLIENT_ID      this client's ID (required with TOKEN_URL)
//	OIDC_CLIENT_SECRET  and its secret (required with TOKEN_URL)
//	OIDC_SCOPES         space-separated scopes to request
//	API_URL             the API to call with GET (required with TOKEN_URL)
//	API_RESOURCE        sent as the token request's "resource" parameter
//	                    (RFC 8707 resource indicator: panva oidc-provider,
//	                    Keycloak, Glewlwyd, which otherwise put the scope
//	                    string in aud); may be given with API_AUDIENCE
//	API_AUDIENCE        sent as the non-standard "audience" parameter
//	                    (Auth0, Okta); "api" with the test provider when
//	                    neither is set
//	AUTH_STYLE          basic (client_secret_basic, default) or post
//	                    (client_secret_post), as registered at the provider
//	CALLS               how many calls to make (default 5)
//
// It prints each call's status and the number of token requests and API
// calls made.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
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

// run makes the calls and reports on out.
func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	tokenURL, apiURL, audience := getenv("TOKEN_URL"), getenv("API_URL"), getenv("API_AUDIENCE")
	resource := getenv("API_RESOURCE")
	id, secret := getenv("OIDC_CLIENT_ID"), getenv("OIDC_CLIENT_SECRET")
	if tokenURL == "" {
		op := oidctest.NewServer()
		defer op.Close()
		if audience == "" && resource == "" {
			audience = "api"
		}
		api, stop, err := demoAPI(ctx, op, cmp.Or(resource, audience))
		if err != nil {
			return err
		}
		defer stop()
		tokenURL, apiURL, id, secret = op.URL+"/token", api+"/reports", op.ClientID, op.ClientSecret
		fmt.Fprintf(out, "No TOKEN_URL: using an in-process provider (%s) and API (%s).\n", op.URL, api)
		fmt.Fprintln(out, "Set TOKEN_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and API_URL to call your own API.")
	}
	if apiURL == "" || id == "" || secret == "" {
		return errors.New("TOKEN_URL needs API_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
	}
	style := verify.ClientSecretBasic
	switch getenv("AUTH_STYLE") {
	case "", "basic":
	case "post":
		style = verify.ClientSecretPost
	default:
		return errors.New("AUTH_STYLE must be basic or post")
	}
	calls := 5
	if v := getenv("CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("CALLS must be a number from 1 to 1000")
		}
		calls = n
	}
	params := url.Values{}
	if resource != "" {
		params.Set("resource", resource)
	}
	if audience != "" {
		params.Set("audience", audience)
	}
	tokenRequests := &counter{next: http.DefaultTransport}
	client, err := outbound.New(outbound.Config{
		TokenURL: tokenURL, ClientID: id, ClientSecret: secret, AuthStyle: style,
		Scopes: strings.Fields(getenv("OIDC_SCOPES")), EndpointParams: params,
		HTTPClient: &http.Client{Transport: tokenRequests, Timeout: 10 * time.Second},
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
	fmt.Fprintf(out, "API calls made: %d, token requests made: %d\n", calls, tokenRequests.n.Load())
	return nil
}

// counter is a RoundTripper that counts the token requests.
type counter struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// demoAPI is a bearer-protected API like examples/api, in-process: it
// accepts the provider's tokens for audience and answers with the client's
// identity. It returns the API's URL and the function that stops it.
func demoAPI(ctx context.Context, op *oidctest.Server, audience string) (string, func(), error) {
	p, err := verify.Discover(ctx, op.URL, nil)
	if err != nil {
		return "", nil, err
	}
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{audience}}, p)
	if err != nil {
		p.Close()
		return "", nil, err
	}
	h := bearer.Protect(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"report":"ok","client":%q}`, tok.Subject)
	}))
	api := httptest.NewServer(h)
	return api.URL, func() { api.Close(); p.Close() }, nil
}
