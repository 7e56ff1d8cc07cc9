package verify_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackMalformedCompactForm: a token that is not exactly
// header.payload.signature, each part canonical base64url, is refused for
// that reason, before its signature or claims are looked at; five parts are
// named a JWE.
func TestAttackMalformedCompactForm(t *testing.T) {
	op, v := setup(t, verify.Config{})
	good := op.Sign(oidctest.Token{Claims: baseClaims(op)})
	p := strings.Split(good, ".")
	rows := map[string]struct{ raw, want string }{
		"no dot":                       {p[0], "not a compact JWS"},
		"two parts":                    {p[0] + "." + p[1], "not a compact JWS"},
		"four parts":                   {good + ".x", "not a compact JWS"},
		"five parts (JWE)":             {good + ".x.y", "JWE"},
		"empty signature":              {p[0] + "." + p[1] + ".", "unsigned"},
		"header not base64url":         {p[0] + "!." + p[1] + "." + p[2], "header is not base64url"},
		"payload not base64url":        {p[0] + "." + p[1] + "!." + p[2], "payload is not base64url"},
		"signature not base64url":      {p[0] + "." + p[1] + "." + p[2] + "!", "signature is not base64url"},
		"payload with padding":         {p[0] + "." + p[1] + "==." + p[2], "payload is not base64url"},
		"signature in standard base64": {p[0] + "." + p[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(p[2]) + "+", "signature is not base64url"},
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			tok, err := v.Verify(t.Context(), r.raw)
			mustRefuse(t, tok, err, r.want)
		})
	}
	if _, err := v.Verify(t.Context(), good); err != nil {
		t.Fatalf("the well-formed token: %v", err)
	}
}
