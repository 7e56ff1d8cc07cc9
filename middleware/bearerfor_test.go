package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// tenantClaims is an API's own claims; Roles is a pointer so the test can
// tell the value decoded at verification from a second decode.
type tenantClaims struct {
	Tenant string    `json:"tid"`
	Roles  *[]string `json:"roles"`
}

func TestNewForDecodesOnce(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	var lastErr error
	mw, err := bearer.NewFor[tenantClaims](bearer.Config{Verifier: v,
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			lastErr = err
			bearer.WriteError(w, r, err)
		}})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c1, err1 := bearer.Claims[tenantClaims](r)
		c2, err2 := bearer.Claims[tenantClaims](r)
		switch {
		case err1 != nil || err2 != nil:
			t.Errorf("Claims: %v %v", err1, err2)
		case c1.Tenant != "t-1" || c1.Roles == nil || strings.Join(*c1.Roles, " ") != "reader":
			t.Errorf("claims %+v", c1)
		case c1.Roles != c2.Roles:
			t.Error("Claims decoded the token again")
		}
		// Another type is decoded from the token as before.
		if other, err := bearer.Claims[struct {
			Tenant string `json:"tid"`
		}](r); err != nil || other.Tenant != "t-1" {
			t.Errorf("another claims type: %+v %v", other, err)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	send := func(extra string, c map[string]any) *httptest.ResponseRecorder {
		lastErr = nil
		if c == nil {
			c = claims(op, func(c map[string]any) { c["tid"], c["roles"] = "t-1", []string{"reader"} })
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, get("/", op.Sign(oidctest.Token{Claims: c, ExtraClaims: extra})))
		return w
	}
	for range 2 { // cold, then from the verified-token cache
		if w := send("", nil); w.Code != http.StatusNoContent {
			t.Fatalf("%d %v", w.Code, lastErr)
		}
	}
	refused := map[string]*httptest.ResponseRecorder{
		"case variant of exp":   send(`"EXP":4102444800`, nil),
		"duplicate tid":         send(`"tid":"t-2"`, nil),
		"roles of another type": send("", claims(op, func(c map[string]any) { c["roles"] = "admin" })),
	}
	for name, w := range refused {
		if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: %d %q", name, w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
	if w := send(`"Tid":"t-2"`, nil); w.Code != 401 || !errors.Is(lastErr, verify.ErrInvalid) {
		t.Errorf("case variant of tid: %d %v", w.Code, lastErr)
	}
	// A DPoP-bound token is no bearer token here either: the one-pass
	// decode reads cnf as Verify does.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/", boundToken(op, newProofKey(t).jkt)))
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("DPoP-bound token sent as bearer: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}
