package main

import (
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestM2MEmbeddedDefault(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "token requests made: 1, API calls made: 5") || strings.Count(out.String(), ": 200 ") != 5 {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestM2MAgainstAProvider(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := oidctest.NewServer() // any URL answering; here the provider's discovery document
	defer api.Close()
	env := map[string]string{"TOKEN_URL": op.URL + "/token", "OIDC_CLIENT_ID": op.ClientID, "OIDC_CLIENT_SECRET": op.ClientSecret,
		"API_URL": api.URL + "/.well-known/openid-configuration", "AUTH_STYLE": "post", "CALLS": "3"}
	var out strings.Builder
	if err := run(t.Context(), func(k string) string { return env[k] }, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), ": 200 ") != 3 || op.Count("token:client_credentials") != 1 {
		t.Errorf("output:\n%s", out.String())
	}
	env["AUTH_STYLE"] = "magic"
	if err := run(t.Context(), func(k string) string { return env[k] }, &out); err == nil {
		t.Error("a bad AUTH_STYLE was accepted")
	}
}
