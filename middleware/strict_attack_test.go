package middleware_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The strict-JSON attacks of verify's tests, sent to Bearer: each is a
// 401 invalid_token whose error matches verify.ErrInvalid.
func TestAttackStrictJSONThroughBearer(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	expired := claims(op, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
	otherAud := claims(op, func(c map[string]any) { c["aud"] = "other-api" })
	future := time.Now().Add(time.Hour).Unix()
	rows := map[string]oidctest.Token{
		"TestAttackCaseVariantExpExtendsLifetime": {Claims: expired, ExtraClaims: fmt.Sprintf(`"EXP":%d`, future)},
		"TestAttackDuplicateAudPicksOurs":         {Claims: otherAud, ExtraClaims: `"aud":"api"`},
		"TestAttackCaseVariantAudPicksOurs":       {Claims: otherAud, ExtraClaims: `"AUD":"api"`},
		"TestAttackUnicodeFoldedSub":              {Claims: claims(op, nil), ExtraClaims: `"ſub":"admin"`},
		"TestAttackAudNullMember":                 {Claims: claims(op, func(c map[string]any) { c["aud"] = []any{"api", nil} })},
		"TestAttackDuplicateHeaderAlg":            {RawHeader: `{"alg":"RS256","alg":"none"}`, Claims: claims(op, nil)},
	}
	for name, tk := range rows {
		t.Run(name, func(t *testing.T) {
			w, err := a.do(get("/me", op.Sign(tk)))
			if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Fatalf("%d %q, want 401 invalid_token", w.Code, w.Header().Get("WWW-Authenticate"))
			}
			if !errors.Is(err, verify.ErrInvalid) {
				t.Fatalf("error %v does not match verify.ErrInvalid", err)
			}
		})
	}
}

// A userinfo answer that names sub twice, or again in another case: the
// first is the ID token's, the second another user's. encoding/json would
// keep the last; the login fails instead.
func TestAttackUserinfoDuplicateSub(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(t, op, func(c *login.Config) { c.FetchUserinfo = true })
	for _, body := range []string{
		`{"sub":"alice","sub":"mallory"}`,
		`{"sub":"alice","SUB":"mallory"}`,
		`{"sub":"alice","ſub":"mallory"}`,
		`{"sub":"alice","email":"a@example.test","email":"m@example.test"}`,
	} {
		op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = body })
		if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 502 || !errors.Is(a.lastErr(), verify.ErrInvalid) {
			t.Errorf("%s: %d (%v)", body, resp.StatusCode, a.lastErr())
		}
	}
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"alice","email":"a@example.test"}` })
	if resp := newBrowser(t).login(a, "alice"); resp.StatusCode != 302 {
		t.Fatalf("a plain userinfo answer: %d (%v)", resp.StatusCode, a.lastErr())
	}
}
