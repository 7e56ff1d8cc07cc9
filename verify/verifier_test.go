package verify_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// setup returns a running provider and a verifier for audience "api" and
// client "app".
func setup(t testing.TB, c verify.Config) (*oidctest.Server, *verify.Verifier) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if c.Audiences == nil {
		c.Audiences = []string{"api"}
	}
	if c.ClientID == "" {
		c.ClientID = "app"
	}
	v, err := verify.NewVerifier(c, p)
	if err != nil {
		t.Fatal(err)
	}
	return op, v
}

func baseClaims(op *oidctest.Server) map[string]any {
	now := time.Now()
	return map[string]any{"iss": op.Issuer(), "sub": "alice", "aud": "api",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
}

func TestVerifyReadsClaims(t *testing.T) {
	op, v := setup(t, verify.Config{})
	c := baseClaims(op)
	c["aud"] = []string{"other", "api"}
	c["scp"] = []string{"read", "write"}
	c["jti"] = "id-1"
	c["azp"] = "cli"
	c["email"] = "alice@example.test"
	c["exp"] = float64(time.Now().Add(time.Hour).Unix()) + 0.5
	tok, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: "ES256", Claims: c}))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "alice" || tok.ID != "id-1" || tok.ClientID != "cli" || len(tok.Audience) != 2 {
		t.Errorf("token %+v", tok)
	}
	if !tok.HasScope("write") || tok.HasScope("admin") {
		t.Errorf("scopes %v", tok.Scopes)
	}
	if tok.Expiry.Nanosecond() != 5e8 {
		t.Errorf("fractional exp lost: %v", tok.Expiry)
	}
	var extra struct {
		Email string `json:"email"`
	}
	if err := tok.Claims(&extra); err != nil || extra.Email != "alice@example.test" {
		t.Errorf("Claims: %v %+v", err, extra)
	}
	// Entra puts scp as one space-separated string.
	c["scp"] = "read write"
	tok, err = v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c}))
	if err != nil || !tok.HasScope("write") {
		t.Errorf("scp string: %v %v", err, tok)
	}
}

func TestVerifyHMAC(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	op, v := setup(t, verify.Config{HMACKey: secret})
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: "HS256", Key: secret, Claims: baseClaims(op)})); err != nil {
		t.Errorf("HS256 with the shared secret: %v", err)
	}
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: "HS256", Key: []byte(strings.Repeat("x", 32)), Claims: baseClaims(op)})); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("HS256 with another secret: %v", err)
	}
	// Without the option HMAC is refused outright.
	op2, v2 := setup(t, verify.Config{})
	if _, err := v2.Verify(t.Context(), op2.Sign(oidctest.Token{Alg: "HS256", Key: secret, Claims: baseClaims(op2)})); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("HS256 without HMACKey: %v", err)
	}
}

func TestVerifyKeyAlgMustMatch(t *testing.T) {
	// The provider's RS256 key says alg RS256; a PS256 token under that
	// kid is refused even though the key type would fit.
	op, v := setup(t, verify.Config{})
	_, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: "PS256", Header: map[string]any{"kid": op.KeyID("RS256")}, Claims: baseClaims(op)}))
	if !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("PS256 under an RS256 key: %v", err)
	}
}

func TestVerifyWithoutKid(t *testing.T) {
	op, v := setup(t, verify.Config{})
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: alg, Header: map[string]any{"kid": nil}, Claims: baseClaims(op)})); err != nil {
			t.Errorf("%s without kid: %v", alg, err)
		}
	}
}

func TestNewVerifierRejectsUnsafeConfig(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, c := range map[string]verify.Config{
		"no audience":           {},
		"alg none":              {Audiences: []string{"a"}, Algorithms: []string{"none"}},
		"HS256 without key":     {Audiences: []string{"a"}, Algorithms: []string{"HS256"}},
		"short HMAC key":        {Audiences: []string{"a"}, HMACKey: []byte("short")},
		"unknown algorithm":     {Audiences: []string{"a"}, Algorithms: []string{"XX999"}},
		"empty audience string": {Audiences: []string{""}},
	} {
		if _, err := verify.NewVerifier(c, p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := verify.NewVerifier(verify.Config{Audiences: []string{"a"}}); err == nil {
		t.Error("no provider: accepted")
	}
}

func TestVerifyLeeway(t *testing.T) {
	now := time.Now()
	op, v := setup(t, verify.Config{Leeway: 5 * time.Second, Now: func() time.Time { return now }})
	c := baseClaims(op)
	c["exp"] = now.Add(-3 * time.Second).Unix()
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); err != nil {
		t.Errorf("3 s past exp with 5 s leeway: %v", err)
	}
	c["exp"] = now.Add(-10 * time.Second).Unix()
	if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Claims: c})); !errors.Is(err, verify.ErrExpired) || !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("10 s past exp: %v, want ErrExpired and ErrInvalid", err)
	}
}

func TestVerifyIDToken(t *testing.T) {
	op, v := setup(t, verify.Config{})
	id := func(mod func(map[string]any)) string {
		c := baseClaims(op)
		c["aud"] = "app"
		c["nonce"] = "n-1"
		if mod != nil {
			mod(c)
		}
		return op.Sign(oidctest.Token{Claims: c})
	}
	if tok, err := v.VerifyIDToken(t.Context(), id(nil), "n-1"); err != nil || tok.Nonce() != "n-1" {
		t.Fatalf("valid ID token: %v", err)
	}
	rows := map[string]struct {
		raw, nonce string
	}{
		"wrong nonce":                    {id(nil), "n-2"},
		"missing nonce":                  {id(func(c map[string]any) { delete(c, "nonce") }), "n-1"},
		"nonce where none was sent":      {id(nil), ""},
		"aud is another client":          {id(func(c map[string]any) { c["aud"] = "other" }), "n-1"},
		"several audiences, no azp":      {id(func(c map[string]any) { c["aud"] = []string{"app", "other"} }), "n-1"},
		"azp is another client":          {id(func(c map[string]any) { c["azp"] = "other" }), "n-1"},
		"no sub":                         {id(func(c map[string]any) { delete(c, "sub") }), "n-1"},
		"no iat":                         {id(func(c map[string]any) { delete(c, "iat") }), "n-1"},
		"expired":                        {id(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), "n-1"},
		"wrong issuer":                   {id(func(c map[string]any) { c["iss"] = "https://evil.example" }), "n-1"},
		"access token audience, not app": {id(func(c map[string]any) { c["aud"] = "api" }), "n-1"},
	}
	for name, r := range rows {
		if _, err := v.VerifyIDToken(t.Context(), r.raw, r.nonce); !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := v.VerifyIDToken(t.Context(), id(func(c map[string]any) { c["aud"] = []string{"app", "other"}; c["azp"] = "app" }), "n-1"); err != nil {
		t.Errorf("several audiences with azp=app: %v", err)
	}
}

func TestCheckAccessTokenHash(t *testing.T) {
	op, v := setup(t, verify.Config{})
	at := "an-access-token"
	sum := sha256.Sum256([]byte(at))
	c := baseClaims(op)
	c["aud"] = "app"
	c["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
	tok, err := v.VerifyIDToken(t.Context(), op.Sign(oidctest.Token{Claims: c}), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.CheckAccessTokenHash(at); err != nil {
		t.Errorf("matching at_hash: %v", err)
	}
	if err := tok.CheckAccessTokenHash("another-token"); !errors.Is(err, verify.ErrInvalid) {
		t.Errorf("substituted access token: %v", err)
	}
}
