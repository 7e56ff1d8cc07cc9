package verify_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// mustRefuse asserts a refusal matching ErrInvalid whose message holds want.
func mustRefuse(t *testing.T, tok *verify.Token, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("accepted: subject %q, audience %v, expiry %v", tok.Subject, tok.Audience, tok.Expiry)
	case !errors.Is(err, verify.ErrInvalid):
		t.Fatalf("error %v does not match ErrInvalid", err)
	case !strings.Contains(err.Error(), want):
		t.Fatalf("error %q, want it to say %q", err, want)
	}
}

// An expired token carrying a future "EXP" after the real "exp": a decoder
// that folds case reads the second and extends the token's life.
func TestAttackCaseVariantExpExtendsLifetime(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["exp"] = time.Now().Add(-time.Hour).Unix()
	future := time.Now().Add(time.Hour).Unix()
	for _, extra := range []string{
		fmt.Sprintf(`"EXP":%d`, future),
		fmt.Sprintf(`"Exp":%d`, future),
	} {
		tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c, ExtraClaims: extra}))
		mustRefuse(t, tok, err, "case variant")
	}
	// Alone, a variant is refused too: an application decoding the claims
	// again with encoding/json would read it as exp.
	delete(c, "exp")
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c, ExtraClaims: fmt.Sprintf(`"eXp":%d`, future)}))
	mustRefuse(t, tok, err, "case variant")
}

// A token for another API whose aud is repeated with ours: the last one
// must not win, exactly or in another case, nor with an escaped name.
func TestAttackDuplicateAudPicksOurs(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["aud"] = "other-api"
	for extra, want := range map[string]string{
		`"aud":"api"`:       "appears twice",
		`"\u0061ud":"api"`:  "appears twice",
		`"AUD":"api"`:       "case variant",
		`"aud":["api"]`:     "appears twice",
		`"Aud":["x","api"]`: "case variant",
	} {
		tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c, ExtraClaims: extra}))
		mustRefuse(t, tok, err, want)
	}
}

// An ID token whose sub is followed by "ſub" (U+017F, which folds to "s"):
// encoding/json would read the second as Subject.
func TestAttackUnicodeFoldedSub(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["aud"], c["nonce"] = "app", "n-1"
	for _, extra := range []string{`"ſub":"admin"`, `"\u017fub":"admin"`, `"SUB":"admin"`} {
		tok, err := v.VerifyIDToken(t.Context(), op.Sign(oidctest.Token{Claims: c, ExtraClaims: extra}), "n-1")
		mustRefuse(t, tok, err, "case variant")
	}
	// The plain token passes: the refusal is the variant's doing.
	if _, err := v.VerifyIDToken(t.Context(), op.Sign(oidctest.Token{Claims: c}), "n-1"); err != nil {
		t.Fatal(err)
	}
}

// A JWS header that says alg twice, or hides crit or kid under another case
// or a Unicode letter that folds (K, U+212A KELVIN SIGN, for k).
func TestAttackDuplicateHeaderMembers(t *testing.T) {
	op, v := setup(t, verify.Config{})
	claims, _ := json.Marshal(baseClaims(op))
	for header, want := range map[string]string{
		`{"alg":"RS256","alg":"none"}`:               "appears twice",
		`{"alg":"RS256","ALG":"HS256"}`:              "case variant",
		`{"alg":"RS256","CRIT":["exp"]}`:             "case variant",
		`{"alg":"RS256","\u212aid":"other"}`:         "case variant",
		`{"alg":"RS256","typ":"JWT","Typ":"at+jwt"}`: "case variant",
		`{"alg":"RS256","kid":7}`:                    "wrong JSON type",
	} {
		raw := op.Sign(oidctest.Token{RawHeader: header, RawClaims: string(claims)})
		tok, err := v.Verify(t.Context(), raw)
		mustRefuse(t, tok, err, want)
	}
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{RawHeader: `{"alg":"RS256"}`, RawClaims: string(claims)})); err != nil {
		t.Fatalf("the plain header is refused: %v", err)
	}
}

// aud members that are not strings (null, numbers) were read as "" by
// encoding/json; they make the token invalid.
func TestAttackAudNullMember(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	for _, aud := range []any{[]any{"api", nil}, []any{nil, "api"}, []any{"api", 1}, []any{"api", []string{"x"}}, nil, 7, map[string]any{"api": true}} {
		c["aud"] = aud
		tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
		mustRefuse(t, tok, err, "aud (or scp) must be a string or an array of strings")
	}
	c["aud"] = []any{"other", "api"}
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); err != nil {
		t.Fatalf("a plain aud array is refused: %v", err)
	}
}

// Claims that no real token carries: numbers out of range, deep nesting,
// invalid UTF-8, a claim of the wrong type, trailing data.
func TestAttackMalformedClaims(t *testing.T) {
	op, v := setup(t, verify.Config{MaxTokenSize: 64 << 10}) // room for the nesting
	c := baseClaims(op)
	base, _ := json.Marshal(c)
	noExp := baseClaims(op)
	delete(noExp, "exp")
	rows := map[string]struct {
		tok  oidctest.Token
		want string
	}{
		"exp beyond float64": {oidctest.Token{Claims: noExp, ExtraClaims: `"exp":1e400`}, "out of range"},
		"exp far future":     {oidctest.Token{Claims: noExp, ExtraClaims: `"exp":123456789012345678901234567890`}, "out of range"},
		"exp as a string":    {oidctest.Token{Claims: noExp, ExtraClaims: `"exp":"4102444800"`}, "wrong JSON type"},
		"deep nesting":       {oidctest.Token{Claims: c, ExtraClaims: `"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001)}, "not a JSON claims object"},
		"invalid UTF-8":      {oidctest.Token{Claims: c, ExtraClaims: "\"name\":\"\xff\""}, "not a JSON claims object"},
		"trailing data":      {oidctest.Token{RawClaims: string(base) + `{}`}, "not a JSON claims object"},
		"an array":           {oidctest.Token{RawClaims: `[` + string(base) + `]`}, "not a JSON claims object"},
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			tok, err := v.Verify(t.Context(), op.Sign(r.tok))
			mustRefuse(t, tok, err, r.want)
		})
	}
}

// logoutClaims are the claims of a valid logout token for client "app".
func logoutClaims(op *oidctest.Server, mod func(map[string]any)) map[string]any {
	c := baseClaims(op)
	c["aud"], c["jti"], c["sid"] = "app", "j-1", "s-1"
	c["exp"] = time.Now().Add(2 * time.Minute).Unix()
	c["events"] = map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}
	if mod != nil {
		mod(c)
	}
	return c
}

// logoutRows runs VerifyLogoutToken on each token (claims, or raw JSON when
// set) and wants a refusal saying want; the valid token passes first.
func logoutRows(t *testing.T, rows []logoutRow) {
	op, v := setup(t, verify.Config{})
	hdr := map[string]any{"typ": "logout+jwt"}
	if _, err := v.VerifyLogoutToken(t.Context(), op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, nil)})); err != nil {
		t.Fatalf("a valid logout token is refused: %v", err)
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			tk := oidctest.Token{Header: hdr, Claims: logoutClaims(op, r.mod), ExtraClaims: r.extra}
			tok, err := v.VerifyLogoutToken(t.Context(), op.Sign(tk))
			mustRefuse(t, tok, err, r.want)
		})
	}
}

type logoutRow struct {
	name, want string
	mod        func(map[string]any)
	extra      string // appended to the claims as they are
}

// Back-Channel Logout 1.0 errata set 1 requires exp: without it a captured
// logout token would stay valid for ever.
func TestAttackLogoutTokenWithoutExp(t *testing.T) {
	logoutRows(t, []logoutRow{{name: "no exp", want: "exp claim is missing", mod: func(c map[string]any) { delete(c, "exp") }}})
}

// A logout token must carry no nonce member at all (§2.4): one with a
// nonce, even empty or null, may be an ID token replayed as a logout token.
func TestAttackLogoutTokenWithNonce(t *testing.T) {
	logoutRows(t, []logoutRow{
		{name: "nonce", want: "must not carry a nonce", mod: func(c map[string]any) { c["nonce"] = "n" }},
		{name: "empty nonce", want: "must not carry a nonce", mod: func(c map[string]any) { c["nonce"] = "" }},
		{name: "null nonce", want: "must not carry a nonce", mod: func(c map[string]any) { c["nonce"] = nil }},
	})
}

// A logout token minted long ago (replayed from a log, say) is refused
// even when its exp is far ahead.
func TestAttackLogoutTokenOldIat(t *testing.T) {
	logoutRows(t, []logoutRow{{name: "old iat", want: "older than 5 minutes", mod: func(c map[string]any) {
		c["iat"] = time.Now().Add(-logoutTokenMaxAge - 2*time.Minute).Unix()
		c["exp"] = time.Now().Add(time.Hour).Unix()
	}}})
}

// events must hold the back-channel logout event under its exact name,
// once, with an object value.
func TestAttackLogoutTokenEventNotExact(t *testing.T) {
	const ev = "http://schemas.openid.net/event/backchannel-logout"
	set := func(e any) func(map[string]any) { return func(c map[string]any) { c["events"] = e } }
	logoutRows(t, []logoutRow{
		{name: "event value true", want: "events does not hold", mod: set(map[string]any{ev: true})},
		{name: "events an array", want: "events does not hold", mod: set([]any{ev})},
		{name: "events a string", want: "events does not hold", mod: set(ev)},
		{name: "other event", want: "events does not hold", mod: set(map[string]any{"http://schemas.openid.net/event/other": map[string]any{}})},
		{name: "case variant alone", want: "events does not hold", mod: set(map[string]any{strings.ToUpper(ev): map[string]any{}})},
		{name: "case variant beside", want: "events does not hold", mod: set(map[string]any{ev: map[string]any{}, strings.ToUpper(ev): map[string]any{}})},
		{name: "events twice", want: "appears twice", extra: `"events":{"` + ev + `":{}}`},
		{name: "event name twice", want: "appears twice", mod: func(c map[string]any) { delete(c, "events") },
			extra: `"events":{"` + ev + `":{},"` + ev + `":1}`},
		{name: "Events beside events", want: "case variant", extra: `"Events":{}`},
	})
}

func TestCheckClaimsJSON(t *testing.T) {
	for doc, ok := range map[string]bool{
		`{"sub":"alice","email":"a@example.test","address":{"Sub":"x"}}`: true,
		`{"sub":"alice","id":1}`:            true,
		`{"sub":"alice","sub":"mallory"}`:   false,
		`{"sub":"alice","SUB":"mallory"}`:   false,
		`{"sub":"alice","ſub":"mallory"}`:   false,
		`{"sub":"alice","ID":2}`:            false, // extra "id"
		`{"sub":"alice","a":{"b":1,"b":2}}`: false,
		`["sub"]`:                           false,
		`{"sub":"alice"} {}`:                false,
		"{\"sub\":\"\xff\"}":                false,
		`{"sub":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`: false,
	} {
		err := verify.CheckClaimsJSON([]byte(doc), "id")
		if (err == nil) != ok {
			t.Errorf("%.60s: %v", doc, err)
		}
		if err != nil && !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("%.60s: %v does not match ErrInvalid", doc, err)
		}
	}
}
