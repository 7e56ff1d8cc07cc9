package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/examples/internal/runtest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// start runs the program with env until the test ends.
func start(t *testing.T, env map[string]string) (string, *runtest.Buffer) {
	return runtest.Start(t, run, env)
}

func call(t *testing.T, url, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp, body
}

// The contract of DESIGN.md §4 against an external issuer.
func TestAPIContract(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	base, _ := start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "API_AUDIENCE": "orders"})

	if resp, _ := call(t, base+"/public", ""); resp.StatusCode != 200 {
		t.Errorf("/public: %d", resp.StatusCode)
	}
	resp, body := call(t, base+"/me", op.AccessToken("alice", "orders", "read"))
	if resp.StatusCode != 200 || body["sub"] != "alice" {
		t.Errorf("/me with a token: %d %v", resp.StatusCode, body)
	}
	resp, _ = call(t, base+"/me", "")
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("/me without a token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = call(t, base+"/me", op.AccessToken("alice", "api", "read"))
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("/me with another audience: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = call(t, base+"/admin", op.AccessToken("alice", "orders", "read"))
	if resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("/admin without scope admin: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// scp as an array works too.
	tok := op.Sign(oidctest.Token{Header: map[string]any{"typ": "at+jwt"}, Claims: map[string]any{"iss": op.Issuer(), "sub": "root", "aud": "orders",
		"scp": []string{"admin"}, "exp": time.Now().Add(time.Hour).Unix()}})
	if resp, _ := call(t, base+"/admin", tok); resp.StatusCode != 200 {
		t.Errorf("/admin with scp [admin]: %d", resp.StatusCode)
	}
}

// With no OIDC_ISSUER the program starts its own provider and prints two
// working curl commands.
func TestAPIEmbeddedDefault(t *testing.T) {
	base, out := start(t, map[string]string{"ADDR": "127.0.0.1:0"})
	tokens := regexp.MustCompile(`Bearer ([A-Za-z0-9_.-]+)' (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(tokens) != 2 {
		t.Fatalf("want two curl commands, got:\n%s", out)
	}
	for _, m := range tokens {
		if !strings.HasPrefix(m[2], base) {
			t.Errorf("curl URL %s is not on %s", m[2], base)
		}
		if resp, _ := call(t, m[2], m[1]); resp.StatusCode != 200 {
			t.Errorf("printed command for %s: %d", m[2], resp.StatusCode)
		}
	}
	if resp, _ := call(t, base+"/admin", tokens[0][1]); resp.StatusCode != 403 {
		t.Errorf("the user token on /admin: %d, want 403", resp.StatusCode)
	}
}

func TestAPINeedsAudience(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	err := run(t.Context(), func(k string) string {
		return map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL}[k]
	}, &runtest.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "API_AUDIENCE") {
		t.Errorf("run without API_AUDIENCE: %v", err)
	}
}

// An ID token is never an access token. By default the API requires typ
// at+jwt, so an ID token passes no route even when its aud is the API's;
// with ACCESS_TOKEN_TYPE=any, a token whose aud names a sign-in client is
// refused, and an API_AUDIENCE that is a client ID does not start.
func TestAPIRefusesIDToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	base, _ := start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "API_AUDIENCE": "orders"})
	for _, tok := range []string{op.IDToken("alice", "orders", ""), op.IDToken("alice", "orders", "n0nce")} {
		if resp, _ := call(t, base+"/me", tok); resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("an ID token whose aud is the API's: %d, want 401 invalid_token", resp.StatusCode)
		}
	}
	if resp, _ := call(t, base+"/me", op.AccessToken("alice", "orders")); resp.StatusCode != 200 {
		t.Errorf("an at+jwt access token: %d", resp.StatusCode)
	}

	base, _ = start(t, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "API_AUDIENCE": "orders",
		"ACCESS_TOKEN_TYPE": "any", "OIDC_CLIENT_IDS": "shop-web " + op.ClientID})
	jwtTyped := func(aud any) string {
		return op.Sign(oidctest.Token{Claims: map[string]any{"iss": op.Issuer(), "sub": "alice", "aud": aud,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}})
	}
	if resp, _ := call(t, base+"/me", jwtTyped("orders")); resp.StatusCode != 200 {
		t.Errorf("typ JWT access token with ACCESS_TOKEN_TYPE=any: %d", resp.StatusCode)
	}
	for _, aud := range []any{[]string{"orders", "shop-web"}, []string{op.ClientID, "orders"}} {
		resp, _ := call(t, base+"/me", jwtTyped(aud))
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("aud %v names a sign-in client: %d, want 401 invalid_token", aud, resp.StatusCode)
		}
	}
	for name, env := range map[string]map[string]string{
		"any without client IDs":  {"ACCESS_TOKEN_TYPE": "any"},
		"audience is a client ID": {"ACCESS_TOKEN_TYPE": "any", "OIDC_CLIENT_IDS": "orders"},
	} {
		env["OIDC_ISSUER"], env["API_AUDIENCE"] = op.URL, "orders"
		ctx, stop := context.WithCancel(t.Context())
		started := false
		err := run(ctx, func(k string) string { return env[k] }, io.Discard, func(string) { started = true; stop() })
		stop()
		if started || err == nil {
			t.Errorf("%s: the API started", name)
		}
	}
}
