package middleware_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// resourceConfig is a Bearer configuration with RFC 9728 metadata for
// https://api.example.com/v1.
func resourceConfig(t *testing.T, op *oidctest.Server) bearer.Config {
	t.Helper()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"https://api.example.com/v1"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	return bearer.Config{Verifier: v, Scopes: []string{"read"}, AllowFormToken: true,
		Resource: &bearer.ProtectedResource{Resource: "https://api.example.com/v1",
			AuthorizationServers: []string{op.URL}, ResourceName: "Example API"}}
}

func TestProtectedResourceMetadata(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	c := resourceConfig(t, op)
	path, h, err := bearer.ProtectedResourceMetadata(c)
	if err != nil {
		t.Fatal(err)
	}
	if path != "/.well-known/oauth-protected-resource/v1" {
		t.Fatalf("path %q", path)
	}
	w := serve(h, httptest.NewRequest("GET", path, nil))
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q %v", w.Code, w.Body, err)
	}
	want := map[string]any{"resource": "https://api.example.com/v1", "authorization_servers": []any{op.URL},
		"scopes_supported": []any{"read"}, "bearer_methods_supported": []any{"header", "body"}, "resource_name": "Example API"}
	if len(doc) != len(want) {
		t.Fatalf("document %v", doc)
	}
	for k, v := range want {
		if b1, _ := json.Marshal(v); string(b1) != string(mustJSON(doc[k])) {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	if w := serve(h, httptest.NewRequest("POST", path, nil)); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}

	// A resource without a path: the bare well-known path. DPoP adds its
	// members; explicit ScopesSupported win over Scopes.
	dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c.Resource = &bearer.ProtectedResource{Resource: "https://api.example.com/", ScopesSupported: []string{"a", "b"}}
	c.DPoP, c.RequireDPoP, c.AllowFormToken, c.InsecureAllowQueryToken = dv, true, false, true
	path, h, err = bearer.ProtectedResourceMetadata(c)
	if err != nil || path != "/.well-known/oauth-protected-resource" {
		t.Fatalf("%q %v", path, err)
	}
	doc = nil
	json.Unmarshal(serve(h, httptest.NewRequest("GET", path, nil)).Body.Bytes(), &doc)
	if string(mustJSON(doc["scopes_supported"])) != `["a","b"]` || string(mustJSON(doc["bearer_methods_supported"])) != `["header","query"]` ||
		doc["dpop_bound_access_tokens_required"] != true || len(doc["dpop_signing_alg_values_supported"].([]any)) == 0 ||
		doc["authorization_servers"] != nil {
		t.Fatalf("document %v", doc)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func TestProtectedResourceRejectsBadIdentifiers(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	c := resourceConfig(t, op)
	for _, res := range []string{"", "api", "/v1", "http://api.example.com", "https://api.example.com/v1?x=1",
		"https://api.example.com/v1#f", "https://user@api.example.com", "ftp://api.example.com", "https://api.example.com/v1?"} {
		c.Resource = &bearer.ProtectedResource{Resource: res}
		if _, err := bearer.New(c); err == nil {
			t.Errorf("NewBearer accepted %q", res)
		}
		if _, _, err := bearer.ProtectedResourceMetadata(c); err == nil {
			t.Errorf("ProtectedResourceMetadata accepted %q", res)
		}
	}
	c.Resource = &bearer.ProtectedResource{Resource: "http://127.0.0.1:8080/mcp"} // loopback
	if _, err := bearer.New(c); err != nil {
		t.Errorf("loopback http: %v", err)
	}
	c.Resource = nil
	if _, _, err := bearer.ProtectedResourceMetadata(c); err == nil {
		t.Error("no Resource: accepted")
	}
}

// Every challenge names the metadata: 401 without a token, 401 with a bad
// one, 400, 403 from the Bearer and from RequireScope, and the DPoP
// challenge too. A 503 carries no challenge.
func TestResourceMetadataInEveryChallenge(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	c := resourceConfig(t, op)
	dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c.DPoP = dv
	mw, err := bearer.New(c)
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("/me", mw(ok))
	mux.Handle("/admin", mw(bearer.RequireScope("admin")(ok)))
	const rm = `resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"`
	good := op.AccessToken("alice", "https://api.example.com/v1", "read")
	twice := get("/me", good)
	twice.Header.Add("Authorization", "Bearer x")
	for name, tc := range map[string]struct {
		r      *http.Request
		status int
	}{
		"no token":      {get("/me", ""), 401},
		"invalid token": {get("/me", "not-a-token"), 401},
		"no read scope": {get("/me", op.AccessToken("alice", "https://api.example.com/v1")), 403},
		"no admin":      {get("/admin", good), 403},
		"two headers":   {twice, 400},
	} {
		w := serve(mux, tc.r)
		chs := w.Header().Values("WWW-Authenticate")
		if w.Code != tc.status || len(chs) != 2 {
			t.Errorf("%s: %d %q", name, w.Code, chs)
			continue
		}
		for _, ch := range chs {
			if !strings.HasSuffix(ch, ", "+rm) {
				t.Errorf("%s: challenge without resource_metadata: %q", name, ch)
			}
		}
	}
	op.Set(func(b *oidctest.Behavior) { b.JWKSStatus = 503 })
	op.RotateKeys()
	w := serve(mux, get("/me", op.AccessToken("alice", "https://api.example.com/v1", "read")))
	if w.Code != 503 || len(w.Header().Values("WWW-Authenticate")) != 0 {
		t.Errorf("503 with a challenge: %v", w.Header())
	}
}

// A client that knows nothing but the API's URL finds its way: 401 →
// resource_metadata → authorization server → token for the resource → call.
func TestProtectedResourceDiscoveryRoundTrip(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resource := srv.URL + "/api"
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{resource}}, p)
	if err != nil {
		t.Fatal(err)
	}
	c := bearer.Config{Verifier: v, Resource: &bearer.ProtectedResource{Resource: resource, AuthorizationServers: []string{op.URL}}}
	mw, err := bearer.New(c)
	if err != nil {
		t.Fatal(err)
	}
	path, meta, err := bearer.ProtectedResourceMetadata(c)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET "+path, meta)
	mux.Handle("/api", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })))

	resp, err := http.Get(resource)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if resp.StatusCode != 401 || m == nil {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc.Resource != resource || !slices.Equal(doc.AuthorizationServers, []string{op.URL}) {
		t.Fatalf("metadata %+v", doc)
	}
	as, err := verify.Discover(t.Context(), doc.AuthorizationServers[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	client, err := outbound.New(outbound.Config{TokenURL: as.Metadata().TokenEndpoint, ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, AuthStyle: verify.ClientSecretBasic,
		EndpointParams: url.Values{"resource": {doc.Resource}}}) // RFC 8707
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.Get(resource)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}
