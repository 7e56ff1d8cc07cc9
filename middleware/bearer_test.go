package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// api is a Bearer-protected handler under test, with the last refusal error
// recorded so rows can assert errors.Is.
type api struct {
	op      *oidctest.Server
	handler http.Handler
	lastErr atomic.Pointer[error]
}

func newAPI(t testing.TB, op *oidctest.Server, vc verify.Config, bc bearer.Config) *api {
	t.Helper()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	t.Cleanup(p.Close)
	return newAPIOn(t, op, p, vc, bc)
}

// newAPIOn is newAPI on a provider the caller made.
func newAPIOn(t testing.TB, op *oidctest.Server, p *verify.Provider, vc verify.Config, bc bearer.Config) *api {
	t.Helper()
	if vc.Audiences == nil {
		vc.Audiences = []string{"api"}
	}
	v, err := verify.NewVerifier(vc, p)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	a := &api{op: op}
	bc.Verifier = v
	bc.ErrorResponder = func(w http.ResponseWriter, r *http.Request, err error) {
		a.lastErr.Store(&err)
		bearer.WriteError(w, r, err)
	}
	mw, err := bearer.New(bc)
	if err != nil {
		t.Fatalf("NewBearer: %v", err)
	}
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		w.Write([]byte(tok.Subject))
	})
	mux.Handle("/me", mw(ok))
	mux.Handle("/admin", mw(bearer.RequireScope("admin")(ok)))
	a.handler = mux
	return a
}

// do sends r and returns the response and the refusal error, if any.
func (a *api) do(r *http.Request) (*httptest.ResponseRecorder, error) {
	a.lastErr.Store(nil)
	w := httptest.NewRecorder()
	a.handler.ServeHTTP(w, r)
	if p := a.lastErr.Load(); p != nil {
		return w, *p
	}
	return w, nil
}

func get(path, token string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func claims(op *oidctest.Server, mod func(map[string]any)) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": op.Issuer(), "sub": "alice", "aud": "api", "scope": "read",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func TestBearerAttacks(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{AllowFormToken: true})

	foreign, _ := rsa.GenerateKey(rand.Reader, 2048)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("attacker server was fetched: %s", r.URL)
	}))
	defer attacker.Close()
	rsaPub, _ := x509.MarshalPKIXPublicKey(op.PublicKey("RS256"))
	foreignECDSA, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	valid := op.AccessToken("alice", "api", "read")
	dot := strings.LastIndexByte(valid, '.')

	type row struct {
		name     string
		req      func() *http.Request
		status   int
		www      string // substring of WWW-Authenticate ("" = header must be absent)
		is       error  // errors.Is target of the refusal, when set
		wantBody string // for 200
	}
	sign := func(tk oidctest.Token) func() *http.Request {
		return func() *http.Request { return get("/me", op.Sign(tk)) }
	}
	rows := []row{
		{name: "valid RS256", req: sign(oidctest.Token{Alg: "RS256", Claims: claims(op, nil)}), status: 200, wantBody: "alice"},
		{name: "valid ES256", req: sign(oidctest.Token{Alg: "ES256", Claims: claims(op, nil)}), status: 200, wantBody: "alice"},
		{name: "valid EdDSA", req: sign(oidctest.Token{Alg: "EdDSA", Claims: claims(op, nil)}), status: 200, wantBody: "alice"},
		{name: "no token", req: func() *http.Request { return get("/me", "") }, status: 401, www: `Bearer realm="api"`},
		{name: "other scheme", req: func() *http.Request {
			r := get("/me", "")
			r.Header.Set("Authorization", "Basic YWxpY2U6c2VjcmV0")
			return r
		}, status: 401, www: `Bearer realm="api"`},
		{name: "alg none", req: sign(oidctest.Token{Alg: "none", Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "HS256 signed with the RSA public key", req: sign(oidctest.Token{Alg: "HS256", Key: rsaPub, Header: map[string]any{"kid": op.KeyID("RS256")}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "unknown kid not in JWKS", req: sign(oidctest.Token{Key: foreign, Header: map[string]any{"kid": "not-published"}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "jku pointing at another server", req: sign(oidctest.Token{Key: foreign, Header: map[string]any{"kid": "attacker", "jku": attacker.URL + "/jwks"}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "x5u pointing at another server", req: sign(oidctest.Token{Key: foreign, Header: map[string]any{"x5u": attacker.URL + "/cert"}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "embedded jwk", req: sign(oidctest.Token{Alg: "ES256", Key: foreignECDSA, Header: map[string]any{"kid": nil, "jwk": ecJWK(&foreignECDSA.PublicKey)}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "kid of one key, signed by another", req: sign(oidctest.Token{Key: foreign, Header: map[string]any{"kid": op.KeyID("RS256")}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "ES256 header on the RSA key id", req: sign(oidctest.Token{Alg: "ES256", Key: foreignECDSA, Header: map[string]any{"kid": op.KeyID("RS256")}, Claims: claims(op, nil)}), status: 401, is: verify.ErrInvalid},
		{name: "unknown crit", req: sign(oidctest.Token{Header: map[string]any{"crit": []string{"exp-ext"}, "exp-ext": 1}, Claims: claims(op, nil)}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "wrong iss", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["iss"] = "https://evil.example" })}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "iss differs by a trailing slash", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["iss"] = op.Issuer() + "/" })}), status: 401, is: verify.ErrInvalid},
		{name: "wrong aud", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["aud"] = "other-api" })}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "no aud", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { delete(c, "aud") })}), status: 401, is: verify.ErrInvalid},
		{name: "expired", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() })}), status: 401, www: `error="invalid_token"`, is: verify.ErrExpired},
		{name: "expired within leeway", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["exp"] = time.Now().Add(-30 * time.Second).Unix() })}), status: 200},
		{name: "no exp", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { delete(c, "exp") })}), status: 401, is: verify.ErrInvalid},
		{name: "nbf in the future", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["nbf"] = time.Now().Add(5 * time.Minute).Unix() })}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "iat in the future", req: sign(oidctest.Token{Claims: claims(op, func(c map[string]any) { c["iat"] = time.Now().Add(5 * time.Minute).Unix() })}), status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "2-segment token", req: func() *http.Request { return get("/me", valid[:dot]) }, status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "empty signature", req: func() *http.Request { return get("/me", valid[:dot+1]) }, status: 401, is: verify.ErrInvalid},
		{name: "bad base64", req: func() *http.Request { return get("/me", "e30~.e30~."+valid[dot+1:]) }, status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "tampered payload", req: func() *http.Request {
			parts := strings.Split(valid, ".")
			return get("/me", parts[0]+"."+parts[1][:len(parts[1])-2]+"AA."+parts[2])
		}, status: 401, is: verify.ErrInvalid},
		{name: "JWE", req: func() *http.Request { return get("/me", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d") }, status: 401, is: verify.ErrInvalid},
		{name: "200 KB token", req: func() *http.Request { return get("/me", strings.Repeat("a", 200<<10)) }, status: 401, www: `error="invalid_token"`, is: verify.ErrInvalid},
		{name: "lowercase bearer", req: func() *http.Request {
			r := get("/me", "")
			r.Header.Set("Authorization", "bearer "+valid)
			return r
		}, status: 200, wantBody: "alice"},
		{name: "token in the query", req: func() *http.Request { return get("/me?access_token="+valid, "") }, status: 400, www: `error="invalid_request"`},
		{name: "token in header and body", req: func() *http.Request {
			r := httptest.NewRequest("POST", "/me", strings.NewReader("access_token="+valid))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Authorization", "Bearer "+valid)
			return r
		}, status: 400, www: `error="invalid_request"`},
		{name: "token in the body alone (allowed by option)", req: func() *http.Request {
			r := httptest.NewRequest("POST", "/me", strings.NewReader("access_token="+valid))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, status: 200, wantBody: "alice"},
		{name: "two Authorization headers", req: func() *http.Request {
			r := get("/me", valid)
			r.Header.Add("Authorization", "Bearer "+valid)
			return r
		}, status: 400, www: `error="invalid_request"`},
		{name: "malformed header", req: func() *http.Request {
			r := get("/me", "")
			r.Header.Set("Authorization", "Bearer a b")
			return r
		}, status: 400, www: `error="invalid_request"`},
		{name: "missing scope", req: func() *http.Request { return get("/admin", valid) }, status: 403, www: `error="insufficient_scope"`},
		{name: "scope present", req: func() *http.Request { return get("/admin", op.AccessToken("root", "api", "read", "admin")) }, status: 200, wantBody: "root"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			w, err := a.do(tc.req())
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d (err %v, body %s)", w.Code, tc.status, err, w.Body)
			}
			www := w.Header().Get("WWW-Authenticate")
			switch {
			case tc.status == 200:
				if tc.wantBody != "" && w.Body.String() != tc.wantBody {
					t.Errorf("body %q, want %q", w.Body, tc.wantBody)
				}
				return
			case !strings.HasPrefix(www, `Bearer realm="api"`):
				t.Errorf("WWW-Authenticate %q: want a Bearer challenge", www)
			case tc.www != "" && !strings.Contains(www, tc.www):
				t.Errorf("WWW-Authenticate %q: want %q in it", www, tc.www)
			}
			if tc.status == 401 && tc.www == `Bearer realm="api"` && www != tc.www {
				t.Errorf("no-token challenge %q carries more than the realm", www)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v: want errors.Is %v", err, tc.is)
			}
			var body struct{ Error, ErrorDescription string }
			if json.Unmarshal(w.Body.Bytes(), &body) != nil {
				t.Errorf("body %q is not JSON", w.Body)
			}
			if strings.Contains(w.Body.String(), "eyJ") {
				t.Errorf("the refusal echoes a token: %s", w.Body)
			}
		})
	}
	if strings.Contains(a.mustScope(t), "admin") == false {
		t.Error("insufficient_scope challenge does not name the scope")
	}
}

func (a *api) mustScope(t *testing.T) string {
	w, _ := a.do(get("/admin", a.op.AccessToken("alice", "api", "read")))
	return w.Header().Get("WWW-Authenticate")
}

func ecJWK(k *ecdsa.PublicKey) map[string]any {
	b, _ := k.Bytes()
	n := (len(b) - 1) / 2
	return map[string]any{"kty": "EC", "crv": "P-256", "x": b64(b[1 : 1+n]), "y": b64(b[1+n:])}
}
