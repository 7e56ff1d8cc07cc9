package middleware_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// appClaims is an application's own claims type for Claims.
type appClaims struct {
	Subject string   `json:"sub"`
	Email   string   `json:"email"`
	Groups  []string `json:"groups"`
}

// claimsAPI serves the Claims of the request's token as JSON behind Bearer
// (path /claims) and without it (path /open), where the handler answers
// 401 with the error Claims returned.
func claimsAPI(t *testing.T) (*oidctest.Server, http.Handler) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := bearer.Claims[appClaims](r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			if errors.Is(err, bearer.ErrNoToken) {
				w.Write([]byte("ErrNoToken"))
			}
			return
		}
		json.NewEncoder(w).Encode(c)
	})
	mux := http.NewServeMux()
	mux.Handle("/claims", bearer.Protect(v)(h))
	mux.Handle("/open", h)
	return op, mux
}

// claimsOf sends tok (none when "") to path and returns the status and the
// decoded claims.
func claimsOf(t *testing.T, h http.Handler, path, tok string) (int, appClaims, string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var c appClaims
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
			t.Fatalf("body %q: %v", w.Body, err)
		}
	}
	return w.Code, c, w.Body.String()
}

func userClaims(op *oidctest.Server) map[string]any {
	n := time.Now()
	return map[string]any{"iss": op.Issuer(), "sub": "alice", "aud": "api", "exp": n.Add(time.Hour).Unix(), "iat": n.Unix(),
		"email": "alice@example.test", "groups": []string{"ops"}}
}

// TestClaimsOfTheVerifiedToken: Claims decodes the verified token of the
// request into the application's type.
func TestClaimsOfTheVerifiedToken(t *testing.T) {
	op, h := claimsAPI(t)
	code, c, body := claimsOf(t, h, "/claims", op.Sign(oidctest.Token{Claims: userClaims(op)}))
	if code != http.StatusOK || c.Subject != "alice" || c.Email != "alice@example.test" || len(c.Groups) != 1 || c.Groups[0] != "ops" {
		t.Fatalf("Claims: %d %+v %q", code, c, body)
	}
}

// TestAttackClaimsCaseVariantMember: a token carrying "email" and, after
// it, "EMAIL" of the attacker's choosing gives the application the real
// "email": Claims matches names exactly, where encoding/json would take the
// last case-insensitive match. (Case variants of the registered claims,
// "ſub" among them, are refused by the verifier: TestAttackUnicodeFoldedSub.)
func TestAttackClaimsCaseVariantMember(t *testing.T) {
	op, h := claimsAPI(t)
	for _, extra := range []string{`"EMAIL":"mallory@example.test"`, `"Groups":["admin"]`} {
		code, c, body := claimsOf(t, h, "/claims", op.Sign(oidctest.Token{Claims: userClaims(op), ExtraClaims: extra}))
		if code != http.StatusOK {
			t.Fatalf("%s: %d %q", extra, code, body)
		}
		if c.Subject != "alice" || c.Email != "alice@example.test" || len(c.Groups) != 1 || c.Groups[0] != "ops" {
			t.Errorf("%s: Claims gave %+v", extra, c)
		}
	}
}

// TestClaimsWithoutBearer: on a route no Bearer guards, Claims returns
// ErrNoToken (never a zero value and nil, never a panic), and so it does for
// a token that fails verification, which never reaches the handler.
func TestClaimsWithoutBearer(t *testing.T) {
	op, h := claimsAPI(t)
	if code, _, body := claimsOf(t, h, "/open", op.Sign(oidctest.Token{Claims: userClaims(op)})); code != http.StatusUnauthorized || body != "ErrNoToken" {
		t.Errorf("no Bearer: %d %q, want 401 ErrNoToken", code, body)
	}
	bad := userClaims(op)
	bad["aud"] = "other"
	if code, _, body := claimsOf(t, h, "/claims", op.Sign(oidctest.Token{Claims: bad})); code != http.StatusUnauthorized || body == "ErrNoToken" {
		t.Errorf("a token for another audience: %d %q, want Bearer's 401", code, body)
	}
}
