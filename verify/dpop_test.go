package verify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/gatehouse-go/gatehouse/verify"
)

// dpopKey is a client's DPoP key for the tests.
type dpopKey struct {
	priv crypto.Signer
	alg  string
	jwk  map[string]any // public members
	jkt  string         // thumbprint computed by jwx
}

func newDPoPKey(t testing.TB, alg string) *dpopKey {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "RS256", "PS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	k := &dpopKey{priv: priv, alg: alg, jwk: jwkMembers(t, priv.Public())}
	pk, _ := jwk.Import(priv.Public())
	tp, err := pk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	k.jkt = base64.RawURLEncoding.EncodeToString(tp)
	return k
}

// jwkMembers is key as a JWK, as a map.
func jwkMembers(t testing.TB, key any) map[string]any {
	t.Helper()
	pk, err := jwk.Import(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(pk)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// proof signs a DPoP proof for method and uri with the key; header and
// claims entries override the defaults (nil deletes).
func (k *dpopKey) proof(t testing.TB, method, uri, token string, header, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"typ": "dpop+jwt", "alg": k.alg, "jwk": k.jwk}
	c := map[string]any{"jti": randID(), "htm": method, "htu": uri, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	override(h, header)
	override(c, claims)
	return signJWS(t, k.priv, h["alg"], h, c)
}

func override(m, with map[string]any) {
	for n, v := range with {
		if v == nil {
			delete(m, n)
		} else {
			m[n] = v
		}
	}
}

// signJWS signs a compact JWS; alg "none" gives an empty signature and an
// HS alg uses a fixed secret.
func signJWS(t testing.TB, key crypto.Signer, alg any, h, c map[string]any) string {
	t.Helper()
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	a, _ := alg.(string)
	var sig []byte
	var err error
	switch {
	case a == "none":
	case strings.HasPrefix(a, "HS"):
		sig, err = jwsbb.Sign([]byte(strings.Repeat("s", 32)), a, []byte(in), nil)
	default:
		sig, err = jwsbb.Sign(key, a, []byte(in), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func randID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const apiURI = "https://api.example.test/items"

func newDPoP(t testing.TB, c verify.DPoPConfig) *verify.DPoPVerifier {
	t.Helper()
	v, err := verify.NewDPoPVerifier(c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDPoPProofAccepted(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "RS256", "PS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			k := newDPoPKey(t, alg)
			v := newDPoP(t, verify.DPoPConfig{})
			jkt, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "tok", nil, nil),
				verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: k.jkt})
			if err != nil {
				t.Fatal(err)
			}
			if jkt != k.jkt {
				t.Fatalf("thumbprint %s, jwx computes %s", jkt, k.jkt)
			}
		})
	}
}

// TestDPoPTokenEndpointProof: without an access token (a token request)
// ath is not needed, and Verify returns the key to bind the token to.
func TestDPoPTokenEndpointProof(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	v := newDPoP(t, verify.DPoPConfig{})
	jkt, err := v.Verify(t.Context(), k.proof(t, "POST", "https://op.example.test/token", "", nil, nil),
		verify.DPoPRequest{Method: "POST", URI: "https://op.example.test/token"})
	if err != nil || jkt != k.jkt {
		t.Fatalf("jkt %q, %v", jkt, err)
	}
}

// TestAttackDPoPProofs: each forged or misused proof is refused with
// ErrDPoPProof.
func TestAttackDPoPProofs(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	other := newDPoPKey(t, "ES256")
	rsaKey := newDPoPKey(t, "RS256")
	priv := maps.Clone(k.jwk)
	d, _ := jwkMembers(t, k.priv)["d"].(string)
	priv["d"] = d
	now := time.Now()
	req := verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: k.jkt}
	cases := []struct {
		name  string
		proof string
		req   verify.DPoPRequest
		want  string // in the message: the check that refused it
	}{
		{"WrongHTU", k.proof(t, "GET", "https://api.example.test/other", "tok", nil, nil), req, "htu"},
		{"WrongHTUHost", k.proof(t, "GET", "https://evil.example.test/items", "tok", nil, nil), req, "htu"},
		{"WrongHTM", k.proof(t, "POST", apiURI, "tok", nil, nil), req, "htm"},
		{"StaleIat", k.proof(t, "GET", apiURI, "tok", nil, map[string]any{"iat": now.Add(-61 * time.Second).Unix()}), req, "past"},
		{"FutureIat", k.proof(t, "GET", apiURI, "tok", nil, map[string]any{"iat": now.Add(time.Minute).Unix()}), req, "future"},
		{"MissingIat", k.proof(t, "GET", apiURI, "tok", nil, map[string]any{"iat": nil}), req, "iat is missing"},
		{"MissingJTI", k.proof(t, "GET", apiURI, "tok", nil, map[string]any{"jti": nil}), req, "jti"},
		{"ProofKeyNotCnfJKT", other.proof(t, "GET", apiURI, "tok", nil, nil), req, "bound to"},
		{"TokenBoundToAnotherKey", k.proof(t, "GET", apiURI, "tok", nil, nil),
			verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: other.jkt}, "bound to"},
		{"PrivateJWKInProof", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": priv}, nil), req, "private"},
		{"AlgNone", k.proof(t, "GET", apiURI, "tok", map[string]any{"alg": "none"}, nil) + "AAAA", req, "alg"},
		{"AlgHS256", k.proof(t, "GET", apiURI, "tok", map[string]any{"alg": "HS256"}, nil), req, "alg"},
		{"AlgOfAnotherKeyType", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": rsaKey.jwk}, nil), req, "usable public key"},
		{"JWKPointNotOnCurve", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": merge(k.jwk, map[string]any{"y": k.jwk["x"]})}, nil), req, "usable public key"},
		{"MissingAth", k.proof(t, "GET", apiURI, "", nil, nil), req, "ath"},
		{"WrongAth", k.proof(t, "GET", apiURI, "another-token", nil, nil), req, "ath"},
		{"ProofWithoutTyp", k.proof(t, "GET", apiURI, "tok", map[string]any{"typ": nil}, nil), req, "typ"},
		{"ProofTypJWT", k.proof(t, "GET", apiURI, "tok", map[string]any{"typ": "JWT"}, nil), req, "typ"},
		{"ProofWithoutJWK", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": nil}, nil), req, "jwk header is missing"},
		{"ProofWithCrit", k.proof(t, "GET", apiURI, "tok", map[string]any{"crit": []string{"exp"}}, nil), req, "crit"},
		{"SymmetricJWK", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": map[string]any{"kty": "oct", "k": "c2VjcmV0"}}, nil), req, "private"},
		{"BadSignature", corruptSig(k.proof(t, "GET", apiURI, "tok", nil, nil)), req, "signature"},
		{"JWKCaseVariant", k.proof(t, "GET", apiURI, "tok", map[string]any{"jwk": merge(k.jwk, map[string]any{"D": d})}, nil), req, "jwk"},
		{"ClaimCaseVariant", k.proof(t, "GET", apiURI, "tok", nil, map[string]any{"HTU": apiURI}), req, "claims"},
		{"NotAJWS", "not-a-proof", req, "compact"},
		{"Oversized", strings.Repeat("a", 9000) + ".b.c", req, "8 KiB"},
	}
	v := newDPoP(t, verify.DPoPConfig{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), c.proof, c.req)
			if !errors.Is(err, verify.ErrDPoPProof) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrDPoPProof for %q", err, c.want)
			}
		})
	}
}

func merge(a, b map[string]any) map[string]any {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

func corruptSig(p string) string {
	i := strings.LastIndexByte(p, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(p[i+1:])
	sig[0] ^= 0xff
	return p[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestAttackDPoPProofReplay(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	v := newDPoP(t, verify.DPoPConfig{})
	p := k.proof(t, "GET", apiURI, "tok", nil, nil)
	req := verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: k.jkt}
	if _, err := v.Verify(t.Context(), p, req); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), p, req); !errors.Is(err, verify.ErrDPoPProof) || !strings.Contains(err.Error(), "replay") {
		t.Fatalf("replayed proof: %v", err)
	}
}

// TestDPoPProofRefusedIsNotRemembered: a proof that fails a check is not
// recorded, so the same jti in a correct proof still passes.
func TestDPoPProofRefusedIsNotRemembered(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	v := newDPoP(t, verify.DPoPConfig{})
	claims := map[string]any{"jti": "same"}
	req := verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: k.jkt}
	if _, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "wrong", nil, claims), req); err == nil {
		t.Fatal("wrong ath accepted")
	}
	if _, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "tok", nil, claims), req); err != nil {
		t.Fatal(err)
	}
}

// TestDPoPIatWindow: the window edges with an injected clock.
func TestDPoPIatWindow(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	k := newDPoPKey(t, "ES256")
	v := newDPoP(t, verify.DPoPConfig{MaxAge: 30 * time.Second, Leeway: 2 * time.Second, Now: func() time.Time { return now }})
	for _, c := range []struct {
		iat time.Time
		ok  bool
	}{
		{now, true}, {now.Add(-30 * time.Second), true}, {now.Add(-31 * time.Second), false},
		{now.Add(2 * time.Second), true}, {now.Add(3 * time.Second), false},
	} {
		_, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "", nil, map[string]any{"iat": c.iat.Unix()}),
			verify.DPoPRequest{Method: "GET", URI: apiURI})
		if (err == nil) != c.ok {
			t.Errorf("iat now%+v: %v", c.iat.Sub(now), err)
		}
	}
}

func TestDPoPHTUNormalised(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	for _, c := range []struct {
		htu, uri string
		ok       bool
	}{
		{"https://API.Example.TEST/items", "https://api.example.test/items", true},
		{"HTTPS://api.example.test:443/items", "https://api.example.test/items", true},
		{"http://api.example.test:80/items", "http://api.example.test/items", true},
		{"https://api.example.test/items?x=1#f", "https://api.example.test/items?y=2", true},
		{"https://api.example.test", "https://api.example.test/", true},
		{"https://api.example.test/%7Eme/a%2fb", "https://api.example.test/~me/a%2Fb", true},
		{"https://[::1]:8443/x", "https://[::1]:8443/x", true},
		{"https://api.example.test/Items", "https://api.example.test/items", false},
		{"https://api.example.test:8443/items", "https://api.example.test/items", false},
		{"http://api.example.test/items", "https://api.example.test/items", false},
		{"https://user@api.example.test/items", "https://api.example.test/items", false},
		{"/items", "https://api.example.test/items", false},
		{"ftp://api.example.test/items", "ftp://api.example.test/items", false},
		{"https://api.example.test/a%2Fb", "https://api.example.test/a/b", false},
		{"https://api.example.test/%zz", "https://api.example.test/%zz", false},
	} {
		v := newDPoP(t, verify.DPoPConfig{})
		_, err := v.Verify(t.Context(), k.proof(t, "GET", c.htu, "", nil, nil), verify.DPoPRequest{Method: "GET", URI: c.uri})
		if (err == nil) != c.ok {
			t.Errorf("htu %q, request %q: %v", c.htu, c.uri, err)
		}
	}
}

func TestDPoPNonce(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	key := []byte(strings.Repeat("k", 32))
	v := newDPoP(t, verify.DPoPConfig{RequireNonce: true, NonceKey: key, Now: clock})
	k := newDPoPKey(t, "ES256")
	req := verify.DPoPRequest{Method: "GET", URI: apiURI}
	check := func(nonce any) error {
		_, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "", nil, map[string]any{"nonce": nonce, "iat": now.Unix()}), req)
		return err
	}
	if err := check(nil); !errors.Is(err, verify.ErrDPoPNonce) {
		t.Fatalf("no nonce: %v", err)
	}
	n := v.Nonce()
	if n == "" {
		t.Fatal("no nonce handed out")
	}
	if err := check(n); err != nil {
		t.Fatalf("current nonce: %v", err)
	}
	now = now.Add(60 * time.Second) // the next period: the old nonce still passes
	if err := check(n); err != nil {
		t.Fatalf("nonce of the previous period: %v", err)
	}
	now = now.Add(60 * time.Second)
	if err := check(n); !errors.Is(err, verify.ErrDPoPNonce) {
		t.Fatalf("nonce two periods old: %v", err)
	}
	// A replica with the same key accepts the current nonce; one with
	// another key does not.
	same := newDPoP(t, verify.DPoPConfig{RequireNonce: true, NonceKey: key, Now: clock})
	otherKey := newDPoP(t, verify.DPoPConfig{RequireNonce: true, Now: clock})
	for _, c := range []struct {
		v  *verify.DPoPVerifier
		ok bool
	}{{same, true}, {otherKey, false}} {
		_, err := c.v.Verify(t.Context(), k.proof(t, "GET", apiURI, "", nil, map[string]any{"nonce": v.Nonce(), "iat": now.Unix()}), req)
		if (err == nil) != c.ok {
			t.Errorf("replica (same key %v): %v", c.ok, err)
		}
	}
	if newDPoP(t, verify.DPoPConfig{}).Nonce() != "" {
		t.Error("a verifier without RequireNonce hands out nonces")
	}
}

func TestNewDPoPVerifierRefusesSymmetricAlgs(t *testing.T) {
	for _, algs := range [][]string{{"none"}, {"HS256"}, {"ES256", "HS512"}, {"XX1"}} {
		if _, err := verify.NewDPoPVerifier(verify.DPoPConfig{Algorithms: algs}); err == nil {
			t.Errorf("%v accepted", algs)
		}
	}
	if _, err := verify.NewDPoPVerifier(verify.DPoPConfig{RequireNonce: true, NonceKey: []byte("short")}); err == nil {
		t.Error("a short nonce key accepted")
	}
	v := newDPoP(t, verify.DPoPConfig{Algorithms: []string{"ES256"}})
	k := newDPoPKey(t, "EdDSA")
	if _, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "", nil, nil), verify.DPoPRequest{Method: "GET", URI: apiURI}); !errors.Is(err, verify.ErrDPoPProof) {
		t.Errorf("EdDSA proof with Algorithms ES256: %v", err)
	}
}

// TestDPoPThumbprintCanonical: a jwk whose members are padded gives the
// thumbprint of the key, not of its spelling (RFC 7638 §3.3).
func TestDPoPThumbprintCanonical(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	padded := merge(k.jwk, map[string]any{"x": k.jwk["x"].(string) + "=", "y": k.jwk["y"].(string) + "="})
	v := newDPoP(t, verify.DPoPConfig{})
	jkt, err := v.Verify(t.Context(), k.proof(t, "GET", apiURI, "", map[string]any{"jwk": padded}, nil), verify.DPoPRequest{Method: "GET", URI: apiURI})
	if err != nil || jkt != k.jkt {
		t.Fatalf("jkt %q (want %q), %v", jkt, k.jkt, err)
	}
}

// TestAttackDPoPProofReplayConcurrent: the same proof sent on many
// connections at once passes exactly once.
func TestAttackDPoPProofReplayConcurrent(t *testing.T) {
	k := newDPoPKey(t, "ES256")
	v := newDPoP(t, verify.DPoPConfig{})
	p := k.proof(t, "GET", apiURI, "tok", nil, nil)
	req := verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: "tok", JKT: k.jkt}
	var passed atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := v.Verify(t.Context(), p, req); err == nil {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := passed.Load(); n != 1 {
		t.Fatalf("%d of 20 concurrent uses passed, want 1", n)
	}
}
