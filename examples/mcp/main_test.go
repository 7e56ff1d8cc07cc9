package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/examples/internal/runtest"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// call posts a JSON-RPC body to u with token (none when empty).
func call(t *testing.T, u, token, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

// discoverToken is what an MCP client does knowing only the endpoint: the
// 401's resource_metadata, the metadata, the authorization server's
// metadata, a client-credentials token for the resource. It returns the
// token and the authorization server it found.
func discoverToken(t *testing.T, endpoint, clientID, clientSecret, scope string) (string, string) {
	t.Helper()
	resp, _ := call(t, endpoint, "", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`)
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if resp.StatusCode != 401 || m == nil {
		t.Fatalf("step 1: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if meta.Resource != endpoint || len(meta.AuthorizationServers) != 1 {
		t.Fatalf("step 2: metadata %+v", meta)
	}
	as, err := verify.Discover(t.Context(), meta.AuthorizationServers[0], nil)
	if err != nil {
		t.Fatalf("step 3: %v", err)
	}
	defer as.Close()
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {meta.Resource}, "scope": {scope}}
	req, _ := http.NewRequest("POST", as.Metadata().TokenEndpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("step 3: token request %d %v", resp.StatusCode, err)
	}
	return tr.AccessToken, meta.AuthorizationServers[0]
}

// The embedded demo: a client that knows only the endpoint gets in, with
// an opaque token checked by introspection.
func TestMCPEndToEnd(t *testing.T) {
	base, out := runtest.Start(t, run, map[string]string{"ADDR": "127.0.0.1:0"})
	creds := regexp.MustCompile(`curl -u ([^:]+):(\S+) `).FindStringSubmatch(out.String())
	if creds == nil {
		t.Fatalf("no token command in the output:\n%s", out)
	}
	id, _ := url.QueryUnescape(creds[1])
	secret, _ := url.QueryUnescape(creds[2])
	tok, _ := discoverToken(t, base+"/mcp", id, secret, "mcp:tools")
	if strings.Contains(tok, ".") {
		t.Fatalf("the demo provider issued a JWT: %s", tok)
	}
	resp, m := call(t, base+"/mcp", tok, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami"}}`)
	text, _ := m["result"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"].(string)
	if resp.StatusCode != 200 || m["id"] != float64(7) || text != "subject="+id+" client_id="+id+" scopes=mcp:tools" {
		t.Fatalf("step 4: %d %v", resp.StatusCode, m)
	}
}

// Against an authorization server of one's own issuing JWTs: the metadata
// names it, and tokens without the scope or for another resource are
// refused.
func TestMCPWithExternalIssuer(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	base, _ := runtest.Start(t, run, map[string]string{"ADDR": "127.0.0.1:0", "OIDC_ISSUER": op.URL, "MCP_SCOPES": "tools"})
	tok, as := discoverToken(t, base+"/mcp", op.ClientID, op.ClientSecret, "tools")
	if as != op.URL || strings.Count(tok, ".") != 2 {
		t.Fatalf("authorization server %q, token %q", as, tok)
	}
	for _, body := range []string{`{"jsonrpc":"2.0","id":1,"method":"initialize"}`, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`} {
		if resp, m := call(t, base+"/mcp", tok, body); resp.StatusCode != 200 || m["result"] == nil {
			t.Errorf("%s: %d %v", body, resp.StatusCode, m)
		}
	}
	if resp, _ := call(t, base+"/mcp", op.AccessToken("x", base+"/mcp"), `{"jsonrpc":"2.0","id":1,"method":"ping"}`); resp.StatusCode != 403 {
		t.Errorf("token without the scope: %d", resp.StatusCode)
	}
	if resp, _ := call(t, base+"/mcp", op.AccessToken("x", "https://other.example.com", "tools"), `{"jsonrpc":"2.0","id":1,"method":"ping"}`); resp.StatusCode != 401 {
		t.Errorf("token for another resource: %d", resp.StatusCode)
	}
	// JSON-RPC errors.
	for body, code := range map[string]float64{
		`{`: -32700,
		`{"jsonrpc":"1.0","id":1,"method":"ping"}`:                              -32600,
		`{"jsonrpc":"2.0","id":1,"method":"nope"}`:                              -32601,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm"}}`: -32602,
	} {
		_, m := call(t, base+"/mcp", tok, body)
		if e, _ := m["error"].(map[string]any); e == nil || e["code"] != code {
			t.Errorf("%s: %v, want code %v", body, m, code)
		}
	}
	if resp, _ := call(t, base+"/mcp", tok, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); resp.StatusCode != 202 {
		t.Errorf("notification: %d", resp.StatusCode)
	}
	resp, err := http.Get(base + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"scopes_supported":["tools"]`) {
		t.Errorf("metadata: %s", b)
	}
}
