package verify_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackHeaderRefusals: a correctly signed token whose protected header
// asks for something this verifier does not do is refused for that reason
// (RFC 7515 §4.1.11, RFC 8725 §3.1–3.2), whatever the signature says.
func TestAttackHeaderRefusals(t *testing.T) {
	op, v := setup(t, verify.Config{Type: "at+jwt"})
	at := map[string]any{"typ": "at+jwt"}
	// with is the at+jwt header with h's members.
	with := func(h map[string]any) map[string]any {
		m := map[string]any{"typ": "at+jwt"}
		for k, x := range h {
			m[k] = x
		}
		return m
	}
	rows := map[string]struct {
		tok  oidctest.Token
		want string
		sig  string // appended to an unsigned token
	}{
		"enc in a signed header":           {oidctest.Token{Header: with(map[string]any{"enc": "A256GCM"})}, "JWE", ""},
		"alg none":                         {oidctest.Token{Alg: "none", Header: at}, `"none"`, "c2ln"},
		"alg NONE":                         {oidctest.Token{Alg: "none", RawHeader: `{"alg":"NONE","typ":"at+jwt"}`}, `"none"`, "c2ln"},
		"alg empty":                        {oidctest.Token{Alg: "none", RawHeader: `{"alg":"","typ":"at+jwt"}`}, `"none"`, "c2ln"},
		"HS256 without a configured key":   {oidctest.Token{Alg: "HS256", Header: at}, "allowed list", ""},
		"crit naming a registered claim":   {oidctest.Token{Header: with(map[string]any{"crit": []string{"exp"}})}, "crit", ""},
		"crit empty":                       {oidctest.Token{Header: with(map[string]any{"crit": []string{}})}, "crit", ""},
		"typ JWT where at+jwt is required": {oidctest.Token{}, "typ", ""},
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			r.tok.Claims = baseClaims(op)
			tok, err := v.Verify(t.Context(), op.Sign(r.tok)+r.sig)
			mustRefuse(t, tok, err, r.want)
		})
	}
	for _, typ := range []string{"at+jwt", "AT+JWT", "application/at+jwt"} {
		if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Header: map[string]any{"typ": typ}, Claims: baseClaims(op)})); err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
}
