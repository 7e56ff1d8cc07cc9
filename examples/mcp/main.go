// Command mcp is an MCP-style API (a JSON-RPC 2.0 endpoint over plain
// net/http, shaped like a Model Context Protocol server's streamable HTTP
// endpoint) that a client can discover and call knowing only its URL:
//
//  1. POST /mcp without a token: 401, and the WWW-Authenticate challenge
//     names the API's metadata (resource_metadata, RFC 9728);
//  2. GET that metadata: the resource identifier and the authorization
//     servers that issue tokens for it;
//  3. discover the authorization server (RFC 8414 / OpenID discovery) and
//     get a token for the resource (RFC 8707 "resource" parameter);
//  4. POST /mcp with the token.
//
// Tokens are RFC 9068 JWT access tokens (typ at+jwt) checked locally or,
// when MCP_CLIENT_ID and
// MCP_CLIENT_SECRET are set and the provider has an introspection
// endpoint, opaque tokens checked by introspection (RFC 7662).
//
// Environment:
//
//	ADDR               listen address (default 127.0.0.1:8082)
//	OIDC_ISSUER        the authorization server. When unset, an in-process
//	                   test provider (oidctest) issuing opaque tokens is
//	                   started, and the steps above are printed as curl
//	                   commands.
//	MCP_RESOURCE       the API's resource identifier, the aud its tokens
//	                   must carry (default http://ADDR/mcp)
//	MCP_SCOPES         space-separated scopes every token needs, advertised
//	                   as scopes_supported ("mcp:tools" with the test
//	                   provider)
//	MCP_CLIENT_ID      this API's client credentials at the authorization
//	MCP_CLIENT_SECRET  server, for token introspection (optional)
//
// Routes:
//
//	POST /mcp                                          JSON-RPC: initialize, ping,
//	                                                   tools/list, tools/call (whoami)
//	GET  /.well-known/oauth-protected-resource/mcp     RFC 9728 metadata
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
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
		fmt.Fprintln(os.Stderr, "mcp:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when not nil, is told the bound address.
func run(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	issuer, scopes := getenv("OIDC_ISSUER"), strings.Fields(getenv("MCP_SCOPES"))
	clientID, clientSecret := getenv("MCP_CLIENT_ID"), getenv("MCP_CLIENT_SECRET")
	var demo *oidctest.Server
	if issuer == "" {
		demo = oidctest.NewServer()
		defer demo.Close()
		demo.Set(func(b *oidctest.Behavior) { b.OpaqueAccessTokens = true })
		issuer, clientID, clientSecret = demo.URL, demo.ClientID, demo.ClientSecret
		if len(scopes) == 0 {
			scopes = []string{"mcp:tools"}
		}
	}
	ln, err := net.Listen("tcp", serve.EnvOr(getenv, "ADDR", "127.0.0.1:8082"))
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	resource := serve.EnvOr(getenv, "MCP_RESOURCE", base+"/mcp")

	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	provider, err := verify.Discover(dctx, issuer, nil)
	if err != nil {
		return fmt.Errorf("discovering %s: %w", issuer, err)
	}
	defer provider.Close()
	tokens, err := tokenVerifier(provider, resource, clientID, clientSecret)
	if err != nil {
		return err
	}
	cfg := bearer.Config{Verifier: tokens, Scopes: scopes, Resource: &bearer.ProtectedResource{
		Resource: resource, AuthorizationServers: []string{issuer}, ResourceName: "Gatehouse MCP example"}}
	protect, err := bearer.New(cfg)
	if err != nil {
		return err
	}
	path, metadata, err := bearer.ProtectedResourceMetadata(cfg)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+path, metadata)
	mux.Handle("POST /mcp", protect(http.HandlerFunc(rpc)))

	fmt.Fprintf(out, "mcp: listening on %s/mcp (resource %s, authorization server %s)\n", base, resource, issuer)
	if demo != nil {
		form := url.Values{"grant_type": {"client_credentials"}, "resource": {resource}, "scope": {strings.Join(scopes, " ")}}
		fmt.Fprintf(out, "\nNo OIDC_ISSUER set: using an in-process test provider. Try:\n\n")
		fmt.Fprintf(out, "  curl -i -X POST %s/mcp                      # 401, resource_metadata=...\n", base)
		fmt.Fprintf(out, "  curl %s%s\n", base, path)
		fmt.Fprintf(out, "  curl -u %s:%s -d '%s' %s/token\n", url.QueryEscape(clientID), url.QueryEscape(clientSecret), form.Encode(), issuer)
		fmt.Fprintf(out, "  curl -H 'Authorization: Bearer <access_token>' -d '%s' %s/mcp\n\n",
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}`, base)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serve.Serve(ctx, ln, mux)
}

// tokenVerifier checks JWT access tokens for resource locally and, given
// client credentials and a provider with an introspection endpoint, any
// other token by introspection.
func tokenVerifier(p *verify.Provider, resource, clientID, clientSecret string) (verify.TokenVerifier, error) {
	jwts, err := verify.NewVerifier(verify.Config{Audiences: []string{resource}, Type: "at+jwt"}, p)
	if err != nil {
		return nil, err
	}
	if clientID == "" || clientSecret == "" || p.Metadata().IntrospectionEndpoint == "" {
		if clientID != "" || clientSecret != "" {
			return nil, errors.New("MCP_CLIENT_ID and MCP_CLIENT_SECRET go together, and the provider must advertise introspection_endpoint")
		}
		return jwts, nil
	}
	in, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: clientID,
		ClientSecret: clientSecret, Audiences: []string{resource}})
	if err != nil {
		return nil, err
	}
	return verify.Either(jwts, in)
}
