package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// introspectedAPI serves /me and /admin (scope admin) behind Bearer with a
// verifier built by mk from a provider of op.
func introspectedAPI(t *testing.T, op *oidctest.Server, mk func(p *verify.Provider) verify.TokenVerifier) http.Handler {
	t.Helper()
	mw := bearer.Protect(mk(providerOf(t, op)))
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Subject))
	})
	mux := http.NewServeMux()
	mux.Handle("/me", mw(ok))
	mux.Handle("/admin", mw(bearer.RequireScope("admin")(ok)))
	return mux
}

// providerOf is op's Provider, closed when the test ends.
func providerOf(t *testing.T, op *oidctest.Server) *verify.Provider {
	t.Helper()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func introspector(t *testing.T, op *oidctest.Server) func(p *verify.Provider) verify.TokenVerifier {
	return func(p *verify.Provider) verify.TokenVerifier {
		in, err := verify.NewIntrospector(verify.IntrospectionConfig{Provider: p, ClientID: op.ClientID,
			ClientSecret: op.ClientSecret, Audiences: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestBearerWithIntrospector(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	h := introspectedAPI(t, op, introspector(t, op))
	raw := op.AccessToken("alice", "api", "read") // introspected like any token
	if w := serve(h, get("/me", raw)); w.Code != 200 || w.Body.String() != "alice" {
		t.Fatalf("active token: %d %s", w.Code, w.Body)
	}
	w := serve(h, get("/admin", raw))
	if w.Code != 403 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Fatalf("missing scope: %d %v", w.Code, w.Header())
	}
	w = serve(h, get("/me", "never-issued"))
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(w.Body.String(), "inactive") {
		t.Fatalf("inactive token: %d %v %s", w.Code, w.Header(), w.Body)
	}
	w = serve(h, get("/me", op.AccessToken("alice", "another-api")))
	if w.Code != 401 {
		t.Fatalf("another audience: %d", w.Code)
	}
}

// The introspection endpoint failing, down or unreachable: 503 with
// Retry-After, never 401.
func TestBearerIntrospectionEndpointDownIs503(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	h := introspectedAPI(t, op, introspector(t, op))
	for _, status := range []int{500, 503, 401} {
		op.Set(func(b *oidctest.Behavior) { b.IntrospectionStatus = status })
		w := serve(h, get("/me", op.AccessToken("alice", "api")))
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || w.Header().Get("WWW-Authenticate") != "" {
			t.Fatalf("endpoint answering %d: %d %v", status, w.Code, w.Header())
		}
	}
	raw := op.AccessToken("alice", "api")
	op.Close()
	if w := serve(h, get("/me", raw)); w.Code != 503 {
		t.Fatalf("endpoint down: %d", w.Code)
	}
}

func TestBearerWithEither(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OpaqueAccessTokens = true })
	h := introspectedAPI(t, op, func(p *verify.Provider) verify.TokenVerifier {
		jwts, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := verify.Either(jwts, introspector(t, op)(p))
		if err != nil {
			t.Fatal(err)
		}
		return v
	})
	if w := serve(h, get("/me", op.AccessToken("alice", "api"))); w.Code != 200 {
		t.Fatalf("JWT: %d", w.Code)
	}
	if n := op.Count("introspection"); n != 0 {
		t.Fatalf("a JWT was introspected (%d calls)", n)
	}
	opaque := clientCredentialsToken(t, op)
	if w := serve(h, get("/me", opaque)); w.Code != 200 || w.Body.String() != op.ClientID {
		t.Fatalf("opaque: %d %s", w.Code, w.Body)
	}
	if n := op.Count("introspection"); n != 1 {
		t.Fatalf("%d introspection calls", n)
	}
}

// clientCredentialsToken gets an access token from op for its default
// client.
func clientCredentialsToken(t *testing.T, op *oidctest.Server) string {
	t.Helper()
	c, err := outbound.New(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, AuthStyle: verify.ClientSecretBasic})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}))
	defer api.Close()
	resp, err := c.Get(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return got
}

func TestNewBearerRefusesNilVerifiers(t *testing.T) {
	var jwts *verify.Verifier
	var in *verify.Introspector
	for name, v := range map[string]verify.TokenVerifier{"nil": nil, "nil *Verifier": jwts, "nil *Introspector": in} {
		if _, err := bearer.New(bearer.Config{Verifier: v}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// NewBearerFor with an Introspector decodes the introspection answer into
// the application's type; an answer that does not fit it is refused.
func TestNewBearerForWithIntrospector(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p := providerOf(t, op)
	type answer struct {
		Subject string `json:"sub"`
		Active  bool   `json:"active"`
	}
	mw, err := bearer.NewFor[answer](bearer.Config{Verifier: introspector(t, op)(p)})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := bearer.Claims[answer](r)
		if err != nil {
			t.Error(err)
		}
		w.Write([]byte(a.Subject + " " + strconv.FormatBool(a.Active)))
	}))
	raw := op.AccessToken("alice", "api")
	if w := serve(h, get("/", raw)); w.Code != 200 || w.Body.String() != "alice true" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	type misfit struct {
		Active string `json:"active"`
	}
	mw, _ = bearer.NewFor[misfit](bearer.Config{Verifier: introspector(t, op)(p)})
	if w := serve(mw(http.NotFoundHandler()), get("/", raw)); w.Code != 401 {
		t.Fatalf("misfit: %d %s", w.Code, w.Body)
	}
}

// An introspection answer with a cnf member describes a sender-constrained
// token: sent as a plain bearer token it is refused, as a JWT with cnf is.
func TestAttackIntrospectedDPoPBoundTokenSentAsBearer(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	h := introspectedAPI(t, op, introspector(t, op))
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionClaims = map[string]any{"token_type": "DPoP", "cnf": map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}
	})
	w := serve(h, get("/me", op.AccessToken("alice", "api")))
	t.Log(w.Body)
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("DPoP-bound token as Bearer: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

// An introspected DPoP-bound token (token_type DPoP, cnf.jkt) is accepted
// with the DPoP scheme and a proof by its key, and refused with another
// key's proof.
func TestIntrospectedDPoPBoundToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p := providerOf(t, op)
	dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := bearer.New(bearer.Config{Verifier: introspector(t, op)(p), DPoP: dv})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	k, other := newProofKey(t), newProofKey(t)
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionClaims = map[string]any{"token_type": "DPoP", "cnf": map[string]any{"jkt": k.jkt}}
	})
	tok := op.AccessToken("alice", "api") // any token the provider knows; its answer says DPoP-bound
	if w := serve(h, dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil))); w.Code != 200 {
		t.Fatalf("with its key's proof: %d %s", w.Code, w.Body)
	}
	if w := serve(h, dpopGet("/me", tok, other.proof(op, "GET", meURI, tok, nil, nil))); w.Code != 401 {
		t.Fatalf("with another key's proof: %d %s", w.Code, w.Body)
	}
}
