package middleware_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// proofKey is a client's DPoP key in these tests; its proofs are signed
// with oidctest's Sign.
type proofKey struct {
	priv *ecdsa.PrivateKey
	jwk  map[string]any
	jkt  string
}

func newProofKey(t testing.TB) *proofKey {
	t.Helper()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return proofKeyOf(t, priv)
}

// proofKeyOf is priv as a proofKey, its thumbprint computed by jwx.
func proofKeyOf(t testing.TB, priv *ecdsa.PrivateKey) *proofKey {
	t.Helper()
	pk, err := jwk.Import(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := pk.Thumbprint(crypto.SHA256)
	b, _ := json.Marshal(pk)
	k := &proofKey{priv: priv, jkt: base64.RawURLEncoding.EncodeToString(tp)}
	_ = json.Unmarshal(b, &k.jwk)
	return k
}

// proof signs a DPoP proof; header and claims entries override the
// defaults (a nil value deletes).
func (k *proofKey) proof(op *oidctest.Server, method, uri, token string, header, claims map[string]any) string {
	h := map[string]any{"typ": "dpop+jwt", "jwk": k.jwk, "kid": nil}
	c := map[string]any{"jti": rand.Text(), "htm": method, "htu": uri, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	maps.Copy(h, header)
	for n, v := range claims {
		if v == nil {
			delete(c, n)
		} else {
			c[n] = v
		}
	}
	alg := "ES256"
	if a, ok := h["alg"].(string); ok {
		alg = a
	}
	var key any = k.priv
	if alg == "none" || strings.HasPrefix(alg, "HS") {
		key = nil // unsigned, or HMAC with the client secret
	}
	return op.Sign(oidctest.Token{Alg: alg, Key: key, Header: h, Claims: c})
}

// boundToken is an access token bound to jkt.
func boundToken(op *oidctest.Server, jkt string) string {
	return op.Sign(oidctest.Token{Alg: "ES256", Claims: claims(op, func(c map[string]any) {
		c["cnf"] = map[string]any{"jkt": jkt}
	})})
}

// dpopGet is a GET of path with the DPoP scheme and proof ("" for none).
func dpopGet(path, token, proof string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Authorization", "DPoP "+token)
	if proof != "" {
		r.Header.Set("DPoP", proof)
	}
	return r
}

const meURI = "http://example.com/me" // what httptest.NewRequest addresses

func newDPoPAPI(t *testing.T, dc verify.DPoPConfig, bc bearer.Config) (*oidctest.Server, *api, *verify.DPoPVerifier) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	dv, err := verify.NewDPoPVerifier(dc)
	if err != nil {
		t.Fatal(err)
	}
	bc.DPoP = dv
	return op, newAPI(t, op, verify.Config{}, bc), dv
}

func TestDPoPRequestAccepted(t *testing.T) {
	op, a, _ := newDPoPAPI(t, verify.DPoPConfig{}, bearer.Config{})
	k := newProofKey(t)
	tok := boundToken(op, k.jkt)
	w, err := a.do(dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil)))
	if w.Code != 200 || w.Body.String() != "alice" {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	// An unbound token still works as a bearer token.
	if w, err := a.do(get("/me", op.AccessToken("alice", "api"))); w.Code != 200 {
		t.Fatalf("bearer token: %d %v", w.Code, err)
	}
	// Without a token: both challenges, DPoP with its algorithms.
	w, _ = a.do(get("/me", ""))
	www := w.Header().Values("WWW-Authenticate")
	if w.Code != 401 || len(www) != 2 || www[0] != `Bearer realm="api"` ||
		www[1] != `DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"` {
		t.Fatalf("%d %q", w.Code, www)
	}
}

// TestAttackDPoPRequests: every misuse of a DPoP-bound token or proof is
// refused with 401 and the right error code in the DPoP challenge.
func TestAttackDPoPRequests(t *testing.T) {
	op, a, _ := newDPoPAPI(t, verify.DPoPConfig{}, bearer.Config{})
	k, other := newProofKey(t), newProofKey(t)
	tok, otherTok := boundToken(op, k.jkt), boundToken(op, other.jkt)
	priv := maps.Clone(k.jwk)
	priv["d"] = base64.RawURLEncoding.EncodeToString(k.priv.D.FillBytes(make([]byte, 32)))
	now := time.Now()
	replayed := k.proof(op, "GET", meURI, tok, nil, nil)
	if w, err := a.do(dpopGet("/me", tok, replayed)); w.Code != 200 {
		t.Fatalf("first use: %d %v", w.Code, err)
	}
	for _, c := range []struct {
		name, code, why string // why: in the refusal's message
		req             *http.Request
	}{
		{"ProofReplay", "invalid_dpop_proof", "replay", dpopGet("/me", tok, replayed)},
		{"WrongHTU", "invalid_dpop_proof", "htu", dpopGet("/me", tok, k.proof(op, "GET", "http://example.com/admin", tok, nil, nil))},
		{"WrongHTM", "invalid_dpop_proof", "htm", dpopGet("/me", tok, k.proof(op, "POST", meURI, tok, nil, nil))},
		{"StaleIat", "invalid_dpop_proof", "past", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, map[string]any{"iat": now.Add(-2 * time.Minute).Unix()}))},
		{"FutureIat", "invalid_dpop_proof", "future", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, map[string]any{"iat": now.Add(time.Minute).Unix()}))},
		{"ProofKeyNotCnfJKT", "invalid_dpop_proof", "bound to", dpopGet("/me", tok, other.proof(op, "GET", meURI, tok, nil, nil))},
		{"TokenBoundToAnotherKey", "invalid_dpop_proof", "bound to", dpopGet("/me", otherTok, k.proof(op, "GET", meURI, otherTok, nil, nil))},
		{"PrivateJWKInProof", "invalid_dpop_proof", "private", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, map[string]any{"jwk": priv}, nil))},
		{"NoneProof", "invalid_dpop_proof", "compact", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, map[string]any{"alg": "none"}, nil))},
		{"HS256Proof", "invalid_dpop_proof", "alg", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, map[string]any{"alg": "HS256"}, nil))},
		{"MissingAth", "invalid_dpop_proof", "ath", dpopGet("/me", tok, k.proof(op, "GET", meURI, "", nil, nil))},
		{"WrongAth", "invalid_dpop_proof", "ath", dpopGet("/me", tok, k.proof(op, "GET", meURI, "another-token", nil, nil))},
		{"ProofWithoutTyp", "invalid_dpop_proof", "typ", dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, map[string]any{"typ": "JWT"}, nil))},
		{"MissingProof", "invalid_dpop_proof", "exactly one", dpopGet("/me", tok, "")},
		{"TwoProofs", "invalid_dpop_proof", "exactly one", func() *http.Request {
			r := dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil))
			r.Header.Add("DPoP", k.proof(op, "GET", meURI, tok, nil, nil))
			return r
		}()},
		{"UnboundTokenWithDPoPScheme", "invalid_token", "not DPoP-bound", func() *http.Request {
			plain := op.AccessToken("alice", "api")
			return dpopGet("/me", plain, k.proof(op, "GET", meURI, plain, nil, nil))
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := a.do(c.req)
			www := w.Header().Values("WWW-Authenticate")
			if w.Code != 401 || len(www) != 2 || !strings.HasPrefix(www[1], "DPoP ") || !strings.Contains(www[1], `error="`+c.code+`"`) ||
				strings.Contains(www[0], "error=") || !strings.Contains(w.Body.String(), c.code) {
				t.Fatalf("%d %q %s (%v)", w.Code, www, w.Body, err)
			}
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("refused for another reason: %v, want %q", err, c.why)
			}
		})
	}
}

// TestAttackDPoPBoundTokenSentAsBearer: a DPoP-bound token is refused with
// the Bearer scheme, whether or not the API accepts DPoP.
func TestAttackDPoPBoundTokenSentAsBearer(t *testing.T) {
	op, a, _ := newDPoPAPI(t, verify.DPoPConfig{}, bearer.Config{})
	plain := newAPI(t, op, verify.Config{}, bearer.Config{})
	tok := boundToken(op, newProofKey(t).jkt)
	for name, a := range map[string]*api{"DPoP API": a, "bearer-only API": plain} {
		w, err := a.do(get("/me", tok))
		if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) || err == nil {
			t.Errorf("%s: %d %q %v", name, w.Code, w.Header().Values("WWW-Authenticate"), err)
		}
	}
	// And a bearer-only API does not know the DPoP scheme at all.
	k := newProofKey(t)
	tok = boundToken(op, k.jkt)
	if w, _ := plain.do(dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil))); w.Code != 401 {
		t.Errorf("DPoP scheme at a bearer-only API: %d", w.Code)
	}
}

func TestDPoPNonce(t *testing.T) {
	op, a, dv := newDPoPAPI(t, verify.DPoPConfig{RequireNonce: true}, bearer.Config{})
	k := newProofKey(t)
	tok := boundToken(op, k.jkt)
	w, err := a.do(dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil)))
	nonce := w.Header().Get("DPoP-Nonce")
	if w.Code != 401 || !errors.Is(err, verify.ErrDPoPNonce) || nonce == "" || nonce != dv.Nonce() ||
		!strings.Contains(w.Header().Values("WWW-Authenticate")[1], `error="use_dpop_nonce"`) {
		t.Fatalf("%d %q %v", w.Code, w.Header(), err)
	}
	w, err = a.do(dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, map[string]any{"nonce": nonce})))
	if w.Code != 200 || w.Header().Get("DPoP-Nonce") == "" {
		t.Fatalf("with the nonce: %d %v", w.Code, err)
	}
}

// TestDPoPPublicURL: behind a TLS-terminating proxy the proof names the
// public URL; a proof naming the internal address is refused.
func TestDPoPPublicURL(t *testing.T) {
	op, a, _ := newDPoPAPI(t, verify.DPoPConfig{}, bearer.Config{PublicURL: "https://api.example.test/v1/"})
	k := newProofKey(t)
	tok := boundToken(op, k.jkt)
	if w, err := a.do(dpopGet("/me", tok, k.proof(op, "GET", "https://api.example.test/v1/me", tok, nil, nil))); w.Code != 200 {
		t.Fatalf("public URL: %d %v", w.Code, err)
	}
	if w, _ := a.do(dpopGet("/me", tok, k.proof(op, "GET", meURI, tok, nil, nil))); w.Code != 401 {
		t.Fatalf("internal URL: %d", w.Code)
	}
	for _, bad := range []string{"api.example.test", "ftp://x/", "https://u@x/", "https://x/?q"} {
		if _, err := bearer.New(bearer.Config{Verifier: &verify.Verifier{}, PublicURL: bad}); err == nil {
			t.Errorf("PublicURL %q accepted", bad)
		}
	}
}

func TestRequireDPoP(t *testing.T) {
	op, a, _ := newDPoPAPI(t, verify.DPoPConfig{}, bearer.Config{RequireDPoP: true})
	w, _ := a.do(get("/me", op.AccessToken("alice", "api")))
	www := w.Header().Values("WWW-Authenticate")
	if w.Code != 401 || len(www) != 1 || !strings.HasPrefix(www[0], `DPoP realm="api", error="invalid_token"`) {
		t.Fatalf("%d %q", w.Code, www)
	}
	if _, err := bearer.New(bearer.Config{Verifier: &verify.Verifier{}, RequireDPoP: true}); err == nil {
		t.Fatal("RequireDPoP without DPoP accepted")
	}
}
