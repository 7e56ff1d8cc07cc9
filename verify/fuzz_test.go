package verify_test

import (
	"maps"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// FuzzVerify feeds arbitrary strings to Verify: it must never panic and never
// accept anything but the untouched seed token.
func FuzzVerify(f *testing.F) {
	op, v := setup(f, verify.Config{})
	seeds := map[string]bool{
		op.AccessToken("alice", "api", "read"):                        true,
		op.Sign(oidctest.Token{Alg: "ES256", Claims: baseClaims(op)}): true,
		op.Sign(oidctest.Token{Alg: "EdDSA", Claims: baseClaims(op)}): true,
	}
	for s := range seeds {
		f.Add(s)
	}
	f.Add(op.Sign(oidctest.Token{Alg: "none", Claims: baseClaims(op)}))
	// Signed tokens the strict decoder refuses: a name twice, case
	// variants, a Unicode-folded name, a null aud member, a huge number.
	expired := baseClaims(op)
	expired["exp"] = 1
	for _, extra := range []string{`"EXP":4102444800`, `"aud":"other"`, `"ſub":"admin"`, `"x":[[[[{"a":1,"a":2}]]]]`, `"nbf":1e400`} {
		f.Add(op.Sign(oidctest.Token{Claims: expired, ExtraClaims: extra}))
	}
	nullAud := baseClaims(op)
	nullAud["aud"] = []any{"api", nil}
	f.Add(op.Sign(oidctest.Token{Claims: nullAud}))
	f.Add(op.Sign(oidctest.Token{RawHeader: `{"alg":"RS256","alg":"none"}`, Claims: baseClaims(op)}))
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.")
	f.Add("a.b.c.d.e")
	f.Add("..")
	f.Add("e30.e30.e30")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.Verify(t.Context(), raw)
		switch {
		case err == nil && !seeds[raw]:
			t.Fatalf("accepted a token that was never signed: %q", raw)
		case err == nil && tok.Subject != "alice":
			t.Fatalf("accepted %q with subject %q", raw, tok.Subject)
		case err != nil && seeds[raw]:
			t.Fatalf("refused a valid seed: %v", err)
		}
	})
}

// FuzzLogoutToken feeds arbitrary strings to VerifyLogoutToken: never a
// panic, never an acceptance of anything but the signed seed.
func FuzzLogoutToken(f *testing.F) {
	op, v := setup(f, verify.Config{})
	c := baseClaims(op)
	c["aud"] = "app"
	c["jti"] = "j1"
	c["events"] = map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}
	valid := op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: c})
	f.Add(valid)
	f.Add("a.b.c")
	noExp := maps.Clone(c)
	delete(noExp, "exp")
	f.Add(op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: noExp}))
	f.Add(op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: c, ExtraClaims: `"nonce":""`}))
	f.Add(op.Sign(oidctest.Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: c, ExtraClaims: `"Events":{}`}))
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.VerifyLogoutToken(t.Context(), raw)
		if err == nil && (tok.Subject != "alice" || tok.ID != "j1") {
			t.Fatalf("accepted %q", raw)
		}
	})
}
