package main

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// Huma wires the app into huma v2 on a ServeMux. The browser routes are
// plain handlers on the mux. Each API operation declares what it needs in
// its OpenAPI Security ("bearer" with the scopes it needs), and one API
// middleware, HumaBearer, enforces exactly that with Gatehouse: the scopes
// are written once, and the published OpenAPI document shows them.
func Huma(a *App) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", a.Auth.Login)
	mux.HandleFunc("GET /callback", a.Auth.Callback)
	mux.HandleFunc("POST /logout", a.Auth.Logout)
	mux.Handle("GET /account", a.Auth.Require(http.HandlerFunc(Account)))

	config := huma.DefaultConfig("Gatehouse example", "1.0.0")
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	api := humago.New(mux, config)
	api.UseMiddleware(HumaBearer(a.Bearer))
	huma.Get(api, "/api/me", humaClaims, func(o *huma.Operation) {
		o.Security = []map[string][]string{{"bearer": {}}}
	})
	huma.Get(api, "/api/admin", humaClaims, func(o *huma.Operation) {
		o.Security = []map[string][]string{{"bearer": {"admin"}}}
	})
	return mux
}

// HumaBearer returns a huma API middleware (humago adapter) that enforces
// each operation's "bearer" security requirement: bearer checks the token,
// RequireScope the requirement's scopes (all of them, as in OpenAPI), and
// the operation then runs with the token in its context. Operations that
// name no "bearer" requirement run as they are.
func HumaBearer(protect func(http.Handler) http.Handler) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		scopes, ok := bearerScopes(ctx.Operation())
		if !ok {
			next(ctx)
			return
		}
		r, w := humago.Unwrap(ctx)
		protect(bearer.RequireScope(scopes...)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			next(huma.WithContext(ctx, r.Context()))
		}))).ServeHTTP(w, r.WithContext(ctx.Context()))
	}
}

// bearerScopes returns the scopes of the first security requirement of op
// that names "bearer".
func bearerScopes(op *huma.Operation) ([]string, bool) {
	for _, req := range op.Security {
		if scopes, ok := req["bearer"]; ok {
			return scopes, true
		}
	}
	return nil, false
}

// claimsOutput is the API's answer: the token's claims.
type claimsOutput struct{ Body json.RawMessage }

// humaClaims is Claims as a huma operation.
func humaClaims(ctx context.Context, _ *struct{}) (*claimsOutput, error) {
	tok, ok := bearer.Token(ctx)
	if !ok {
		return nil, huma.Error401Unauthorized("no token")
	}
	return &claimsOutput{Body: tok.RawClaims()}, nil
}
