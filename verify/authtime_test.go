package verify_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestTokenAuthTime(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	c["auth_time"] = at.Unix()
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
	if err != nil || !tok.AuthTime.Equal(at) {
		t.Fatalf("auth_time: %v %v, want %v", err, tok, at)
	}
	delete(c, "auth_time")
	if tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); err != nil || !tok.AuthTime.IsZero() {
		t.Errorf("absent auth_time: %v %v", err, tok)
	}
	for name, mod := range map[string]oidctest.Token{
		"out of range": {Claims: c, ExtraClaims: `"auth_time":-5`},
		"not a number": {Claims: c, ExtraClaims: `"auth_time":"1700000000"`},
		"case variant": {Claims: c, ExtraClaims: `"AUTH_TIME":1700000000`},
		"given twice":  {Claims: c, ExtraClaims: `"auth_time":1,"auth_time":2`},
	} {
		if _, err := v.Verify(t.Context(), op.Sign(mod)); !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
