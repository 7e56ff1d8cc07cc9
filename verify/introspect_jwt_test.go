package verify_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestIntrospectionJWTAnswer: RFC 9701 answers, asked for and required.
func TestIntrospectionJWTAnswer(t *testing.T) {
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.RequireJWTResponse = true })
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionJWT = true })
	raw := clientToken(t, op, "", "read")
	tok, err := in.Verify(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
	}
	if tok.Subject != op.ClientID || !tok.HasScope("read") || tok.Audience[0] != "api" || tok.Raw != raw {
		t.Fatalf("%+v", tok)
	}
	if err := tok.Claims(&c); err != nil || !c.Active || c.ClientID != op.ClientID {
		t.Fatalf("Claims decode the token_introspection object: %+v %v", c, err)
	}
	// Required, but the server answers plain JSON: refused as unavailable.
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionJWT = false })
	_, err = in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrUnavailable)
	// An inactive token in a JWT answer is invalid.
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionJWT = true })
	_, err = in.Verify(t.Context(), "unknown")
	refused(t, err, verify.ErrInvalid)
}

// jwtAnswer is a signed answer describing an active token for "api".
func jwtAnswer(op *oidctest.Server, mod func(h, c map[string]any)) oidctest.Token {
	now := time.Now()
	h := map[string]any{"typ": "token-introspection+jwt"}
	c := map[string]any{"iss": op.Issuer(), "aud": op.ClientID, "iat": now.Unix(),
		"token_introspection": map[string]any{"active": true, "token_type": "Bearer", "aud": "api", "sub": "s",
			"exp": now.Add(time.Hour).Unix()}}
	if mod != nil {
		mod(h, c)
	}
	return oidctest.Token{Header: h, Claims: c}
}

// A server may send a JWT answer unasked; it is verified and accepted.
func TestIntrospectionJWTAnswerUnasked(t *testing.T) {
	op, in := introspection(t, nil)
	body := op.Sign(jwtAnswer(op, nil)) // not inside Set, which holds the server's lock
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionBody, b.IntrospectionContentType = body, "application/token-introspection+jwt; charset=utf-8"
	})
	tok, err := in.Verify(t.Context(), "opaque")
	if err != nil || tok.Subject != "s" {
		t.Fatalf("%+v %v", tok, err)
	}
}

func TestAttackIntrospectionJWTAnswer(t *testing.T) {
	op, in := introspection(t, nil)
	foreign, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := map[string]oidctest.Token{
		"for another client": jwtAnswer(op, func(h, c map[string]any) { c["aud"] = "other-client" }),
		"typ JWT":            jwtAnswer(op, func(h, c map[string]any) { h["typ"] = "JWT" }),
		"no typ":             jwtAnswer(op, func(h, c map[string]any) { h["typ"] = nil }),
		"another issuer":     jwtAnswer(op, func(h, c map[string]any) { c["iss"] = "https://evil.example.com" }),
		"no iat":             jwtAnswer(op, func(h, c map[string]any) { c["iat"] = nil }),
		"iat in the future":  jwtAnswer(op, func(h, c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }),
		"expired":            jwtAnswer(op, func(h, c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"no token_introspection": jwtAnswer(op, func(h, c map[string]any) {
			c["token_introspection"] = nil
		}),
		"token_introspection not an object": jwtAnswer(op, func(h, c map[string]any) { c["token_introspection"] = "active" }),
	}
	signed := map[string]string{}
	for name, tk := range cases {
		signed[name] = op.Sign(tk)
	}
	good := jwtAnswer(op, nil)
	good.Key = foreign
	signed["signed with a foreign key"] = op.Sign(good)
	good = jwtAnswer(op, nil)
	good.Alg = "none"
	signed["alg none"] = op.Sign(good)
	good = jwtAnswer(op, nil)
	good.Alg = "HS256" // keyed with the client secret, which the client knows
	signed["HS256 with the client secret"] = op.Sign(good)
	for name, body := range signed {
		t.Run(name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) {
				b.IntrospectionBody, b.IntrospectionContentType = body, "application/token-introspection+jwt"
			})
			tok, err := in.Verify(t.Context(), "token-"+name)
			if err == nil {
				t.Fatalf("accepted: %+v", tok)
			}
			t.Log(err)
			refused(t, err, verify.ErrUnavailable)
		})
	}
}
