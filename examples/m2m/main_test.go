package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// With no environment: the in-process provider and API, five calls, one
// token.
func TestM2MEmbeddedDefault(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "API calls made: 5, token requests made: 1") || strings.Count(out.String(), ": 200 ") != 5 {
		t.Errorf("output:\n%s", out.String())
	}
}

// ordersAPI is a bearer-protected API accepting the provider's tokens for
// audience "orders"; it records the scopes it saw.
func ordersAPI(t *testing.T, op *oidctest.Server) (*httptest.Server, *sync.Map) {
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"orders"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	var scopes sync.Map
	api := httptest.NewServer(bearer.Protect(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		for _, s := range tok.Scopes {
			scopes.Store(s, true)
		}
		w.Write([]byte("ok"))
	})))
	t.Cleanup(api.Close)
	return api, &scopes
}

// Against a provider and API of one's own, with either auth style.
func TestM2MAgainstAProvider(t *testing.T) {
	for _, style := range []string{"basic", "post"} {
		t.Run(style, func(t *testing.T) {
			op := oidctest.NewServer()
			defer op.Close()
			api, scopes := ordersAPI(t, op)
			env := map[string]string{"TOKEN_URL": op.URL + "/token", "OIDC_CLIENT_ID": op.ClientID, "OIDC_CLIENT_SECRET": op.ClientSecret,
				"API_URL": api.URL, "API_AUDIENCE": "orders", "OIDC_SCOPES": "orders:read", "AUTH_STYLE": style, "CALLS": "3"}
			var out strings.Builder
			if err := run(t.Context(), func(k string) string { return env[k] }, &out); err != nil {
				t.Fatal(err)
			}
			if strings.Count(out.String(), ": 200 ok") != 3 || !strings.Contains(out.String(), "API calls made: 3, token requests made: 1") {
				t.Errorf("output:\n%s", out.String())
			}
			if n := op.Count("token:client_credentials"); n != 1 {
				t.Errorf("%d token requests at the provider", n)
			}
			if _, ok := scopes.Load("orders:read"); !ok {
				t.Error("OIDC_SCOPES did not reach the token")
			}
		})
	}
}

func TestM2MErrors(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api, _ := ordersAPI(t, op)
	good := map[string]string{"TOKEN_URL": op.URL + "/token", "OIDC_CLIENT_ID": op.ClientID, "OIDC_CLIENT_SECRET": op.ClientSecret,
		"API_URL": api.URL, "API_AUDIENCE": "orders"}
	rows := []struct {
		name   string
		change map[string]string
	}{
		{"no API_URL", map[string]string{"API_URL": ""}},
		{"no client ID", map[string]string{"OIDC_CLIENT_ID": ""}},
		{"no secret", map[string]string{"OIDC_CLIENT_SECRET": ""}},
		{"bad AUTH_STYLE", map[string]string{"AUTH_STYLE": "magic"}},
		{"bad CALLS", map[string]string{"CALLS": "-1"}},
		{"http token URL off loopback", map[string]string{"TOKEN_URL": "http://idp.example/token"}},
	}
	for _, tc := range rows {
		env := map[string]string{}
		for k, v := range good {
			env[k] = v
		}
		for k, v := range tc.change {
			env[k] = v
		}
		if err := run(t.Context(), func(k string) string { return env[k] }, &strings.Builder{}); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if n := op.Count("token"); n != 0 {
		t.Errorf("%d token requests for refused configurations", n)
	}

	// A wrong secret: the provider's refusal, without the secret.
	env := map[string]string{}
	for k, v := range good {
		env[k] = v
	}
	env["OIDC_CLIENT_SECRET"] = "wrong-secret-value"
	err := run(t.Context(), func(k string) string { return env[k] }, &strings.Builder{})
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" {
		t.Errorf("wrong secret: %v, want ProviderError invalid_client", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("the error holds the secret: %v", err)
	}

	// A cancelled context ends the program with its error.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := run(ctx, func(k string) string { return good[k] }, &strings.Builder{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// API_RESOURCE is sent as the RFC 8707 resource indicator, beside
// API_AUDIENCE: the test provider, like panva's, takes the resource (the
// audience here names another API), and the token's aud is the API's.
func TestM2MResourceIndicator(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api, _ := ordersAPI(t, op)
	env := map[string]string{"TOKEN_URL": op.URL + "/token", "OIDC_CLIENT_ID": op.ClientID, "OIDC_CLIENT_SECRET": op.ClientSecret,
		"API_URL": api.URL, "API_RESOURCE": "orders", "API_AUDIENCE": "billing", "CALLS": "2"}
	var out strings.Builder
	if err := run(t.Context(), func(k string) string { return env[k] }, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), ": 200 ok") != 2 {
		t.Errorf("output:\n%s", out.String())
	}
	// Without the resource the token is for "billing": the API refuses it.
	delete(env, "API_RESOURCE")
	out.Reset()
	if err := run(t.Context(), func(k string) string { return env[k] }, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), ": 401 ") != 2 {
		t.Errorf("output without API_RESOURCE:\n%s", out.String())
	}
	// The in-process demo with a resource of one's choosing.
	out.Reset()
	demo := map[string]string{"API_RESOURCE": "https://reports.example.com", "CALLS": "1"}
	if err := run(t.Context(), func(k string) string { return demo[k] }, &out); err != nil || !strings.Contains(out.String(), ": 200 ") {
		t.Errorf("demo with API_RESOURCE: %v\n%s", err, out.String())
	}
}
