package verify_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// introspection returns a provider issuing opaque access tokens and an
// Introspector for audience "api", authenticating as the provider's default
// client; mod may change the configuration first.
func introspection(t testing.TB, mod func(*verify.IntrospectionConfig)) (*oidctest.Server, *verify.Introspector) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	op.Set(func(b *oidctest.Behavior) { b.OpaqueAccessTokens = true })
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c := verify.IntrospectionConfig{Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret, Audiences: []string{"api"}}
	if mod != nil {
		mod(&c)
	}
	in, err := verify.NewIntrospector(c)
	if err != nil {
		t.Fatal(err)
	}
	return op, in
}

// clientToken gets an access token with the client-credentials grant, for
// resource (RFC 8707) when not empty.
func clientToken(t testing.TB, op *oidctest.Server, resource, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	if resource != "" {
		form.Set("resource", resource)
	}
	return tokenResponse(t, op, form)["access_token"]
}

// tokenResponse posts form to the token endpoint as the default client and
// returns the answer's string members.
func tokenResponse(t testing.TB, op *oidctest.Server, form url.Values) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(op.ClientID, op.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr["access_token"] == nil {
		t.Fatalf("token request: %d %v %v", resp.StatusCode, tr, err)
	}
	m := map[string]string{}
	for k, v := range tr {
		if s, ok := v.(string); ok {
			m[k] = s
		}
	}
	return m
}

func TestIntrospectorVerifiesOpaqueToken(t *testing.T) {
	for _, style := range []verify.AuthStyle{verify.ClientSecretBasic, verify.ClientSecretPost} {
		t.Run("style="+style.String(), func(t *testing.T) {
			op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.AuthStyle = style })
			raw := clientToken(t, op, "", "read write")
			if strings.Count(raw, ".") != 0 {
				t.Fatalf("not an opaque token: %s", raw)
			}
			tok, err := in.Verify(t.Context(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Issuer != op.Issuer() || tok.Subject != op.ClientID || tok.ClientID != op.ClientID ||
				len(tok.Audience) != 1 || tok.Audience[0] != "api" || !tok.HasScope("read") || !tok.HasScope("write") ||
				tok.Raw != raw || time.Until(tok.Expiry) < 59*time.Minute || tok.IssuedAt.IsZero() {
				t.Fatalf("token: %+v", tok)
			}
			var c struct {
				Active    bool   `json:"active"`
				TokenType string `json:"token_type"`
			}
			if err := tok.Claims(&c); err != nil || !c.Active || c.TokenType != "Bearer" {
				t.Fatalf("Claims: %+v %v", c, err)
			}
		})
	}
}

// A user's token carries the username member; Claims decodes it.
func TestIntrospectorUserToken(t *testing.T) {
	op, in := introspection(t, nil)
	tok, err := in.Verify(t.Context(), op.AccessToken("alice", "api", "orders:read"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "alice" || !tok.HasScope("orders:read") {
		t.Fatalf("%+v", tok)
	}
}

func TestNewIntrospectorRejectsUnsafeConfig(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	good := verify.IntrospectionConfig{Provider: p, ClientID: "a", ClientSecret: "b", Audiences: []string{"api"}}
	for name, mod := range map[string]func(*verify.IntrospectionConfig){
		"no provider":     func(c *verify.IntrospectionConfig) { c.Provider = nil },
		"no client id":    func(c *verify.IntrospectionConfig) { c.ClientID = "" },
		"no secret":       func(c *verify.IntrospectionConfig) { c.ClientSecret = "" },
		"no audience":     func(c *verify.IntrospectionConfig) { c.Audiences = nil },
		"empty audience":  func(c *verify.IntrospectionConfig) { c.Audiences = []string{""} },
		"key, no style":   func(c *verify.IntrospectionConfig) { c.ClientKey.KeyID = "k" },
		"unknown style":   func(c *verify.IntrospectionConfig) { c.AuthStyle = 7 },
		"pkjwt, no key":   func(c *verify.IntrospectionConfig) { c.AuthStyle, c.ClientSecret = verify.PrivateKeyJWT, "" },
		"http endpoint":   func(c *verify.IntrospectionConfig) { c.Endpoint = "http://idp.example.com/introspect" },
		"relative endpnt": func(c *verify.IntrospectionConfig) { c.Endpoint = "/introspect" },
	} {
		c := good
		mod(&c)
		if _, err := verify.NewIntrospector(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	noEndpoint, err := verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL, Metadata: &verify.Metadata{JWKSURI: op.URL + "/jwks"}})
	if err != nil {
		t.Fatal(err)
	}
	defer noEndpoint.Close()
	c := good
	c.Provider = noEndpoint
	if _, err := verify.NewIntrospector(c); err == nil || !strings.Contains(err.Error(), "introspection_endpoint") {
		t.Errorf("provider without introspection_endpoint: %v", err)
	}
	c.Endpoint = op.URL + "/introspect"
	if _, err := verify.NewIntrospector(c); err != nil {
		t.Errorf("explicit endpoint: %v", err)
	}
	// A provider advertising a plain-http introspection endpoint off
	// loopback is refused, as for its other endpoints.
	_, err = verify.NewProvider(t.Context(), verify.ProviderConfig{Issuer: op.URL,
		Metadata: &verify.Metadata{IntrospectionEndpoint: "http://idp.example.com/introspect"}})
	if !errors.Is(err, verify.ErrMetadata) {
		t.Errorf("http introspection_endpoint: %v", err)
	}
}

// refused asserts err matches want and not ErrUnavailable (or, for want
// ErrUnavailable, not ErrInvalid).
func refused(t *testing.T, err, want error) {
	t.Helper()
	other := verify.ErrUnavailable
	if want == verify.ErrUnavailable {
		other = verify.ErrInvalid
	}
	if !errors.Is(err, want) || errors.Is(err, other) {
		t.Fatalf("got %v, want an error matching %v only", err, want)
	}
}

func TestAttackInactiveToken(t *testing.T) {
	op, in := introspection(t, nil)
	_, err := in.Verify(t.Context(), "made-up-token")
	refused(t, err, verify.ErrInvalid)
	raw := clientToken(t, op, "", "")
	req, _ := http.NewRequest(http.MethodPost, op.URL+"/revoke", strings.NewReader(url.Values{"token": {raw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(op.ClientID, op.ClientSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	_, err = in.Verify(t.Context(), raw)
	refused(t, err, verify.ErrInvalid)
	if !strings.Contains(err.Error(), "inactive") {
		t.Errorf("message: %v", err)
	}
}

func TestAttackIntrospectionForAnotherAudience(t *testing.T) {
	op, in := introspection(t, nil)
	_, err := in.Verify(t.Context(), clientToken(t, op, "https://other.example.com", ""))
	refused(t, err, verify.ErrInvalid)
	if !strings.Contains(err.Error(), "aud") {
		t.Errorf("message: %v", err)
	}
	// Without aud at all, likewise.
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionClaims = map[string]any{"aud": nil} })
	_, err = in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrInvalid)
}

func TestAttackExpiredButActiveAnswer(t *testing.T) {
	op, in := introspection(t, nil)
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionClaims = map[string]any{"exp": time.Now().Add(-2 * time.Minute).Unix()} // past the 60 s leeway
	})
	_, err := in.Verify(t.Context(), clientToken(t, op, "", ""))
	if !errors.Is(err, verify.ErrExpired) {
		t.Fatalf("got %v", err)
	}
	// An active answer without exp is refused too: nothing bounds it.
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionClaims = map[string]any{"exp": nil} })
	_, err = in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrInvalid)
	// nbf in the future.
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionClaims = map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}
	})
	_, err = in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrInvalid)
}

func TestAttackIntrospectionAnswerFromAnotherIssuer(t *testing.T) {
	op, in := introspection(t, nil)
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionClaims = map[string]any{"iss": "https://evil.example.com"} })
	_, err := in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrInvalid)
}

// A refresh token is active at the endpoint, but it is not an access token.
func TestAttackRefreshTokenPresentedAsAccessToken(t *testing.T) {
	op, in := introspection(t, nil)
	back, err := op.Login("alice", op.URL+"/authorize?"+url.Values{"response_type": {"code"}, "client_id": {op.ClientID},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "scope": {"openid offline_access"}, "code_challenge_method": {"S256"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	tr := tokenResponse(t, op, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}})
	if tr["refresh_token"] == "" {
		t.Fatalf("no refresh token: %v", tr)
	}
	_, err = in.Verify(t.Context(), tr["refresh_token"])
	refused(t, err, verify.ErrInvalid)
	// Hydra and fosite say token_use.
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionClaims = map[string]any{"token_use": "refresh_token"} })
	_, err = in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrInvalid)
}

// An answer whose members repeat, or come as case variants, is refused: the
// answer cannot be read one way only.
func TestAttackIntrospectionAnswerDuplicateMembers(t *testing.T) {
	op, in := introspection(t, nil)
	raw := clientToken(t, op, "", "")
	exp := time.Now().Add(time.Hour).Unix()
	valid := func(extra string) string {
		return `{"active":true,"token_type":"Bearer","aud":"api","exp":` + itoa(exp) + extra + `}`
	}
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionBody = valid("") })
	if _, err := in.Verify(t.Context(), raw); err != nil {
		t.Fatalf("the valid body is refused: %v", err)
	}
	for name, body := range map[string]string{
		"active twice":       `{"active":false,"active":true,"token_type":"Bearer","aud":"api","exp":` + itoa(exp) + `}`,
		"aud twice":          valid(`,"aud":"other"`),
		"ACTIVE variant":     `{"ACTIVE":true,"token_type":"Bearer","aud":"api","exp":` + itoa(exp) + `}`,
		"Active variant":     `{"active":false,"Active":true,"token_type":"Bearer","aud":"api","exp":` + itoa(exp) + `}`,
		"EXP variant":        valid(`,"EXP":4102444800`),
		"Token_Type variant": valid(`,"Token_Type":"Bearer"`),
		"active as string":   `{"active":"true","token_type":"Bearer","aud":"api","exp":` + itoa(exp) + `}`,
		"not an object":      `[{"active":true}]`,
		"trailing garbage":   valid("") + `{}`,
	} {
		t.Run(name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { b.IntrospectionBody = body })
			tok, err := in.Verify(t.Context(), raw+name) // a token per case: no cache hit
			if err == nil {
				t.Fatalf("accepted: %+v", tok)
			}
			if !errors.Is(err, verify.ErrUnavailable) && !errors.Is(err, verify.ErrInvalid) {
				t.Fatalf("error matches no sentinel: %v", err)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The endpoint down, failing or slow: ErrUnavailable, never ErrInvalid, and
// nothing is cached.
func TestIntrospectionEndpointDownIsUnavailable(t *testing.T) {
	op, in := introspection(t, nil)
	raw := clientToken(t, op, "", "")
	for _, status := range []int{500, 502, 503, 429, 401, 400} {
		op.Set(func(b *oidctest.Behavior) { b.IntrospectionStatus = status })
		_, err := in.Verify(t.Context(), raw)
		refused(t, err, verify.ErrUnavailable)
	}
	op.Set(func(b *oidctest.Behavior) { b.IntrospectionStatus = 0 })
	if _, err := in.Verify(t.Context(), raw); err != nil {
		t.Fatalf("after recovery: %v (a failure was cached)", err)
	}

	// Closed: connection refused.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, in2 := introspection(t, func(c *verify.IntrospectionConfig) { c.Endpoint = dead.URL })
	_, err := in2.Verify(t.Context(), raw)
	refused(t, err, verify.ErrUnavailable)

	// Hanging: the client's timeout ends it.
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)
	_, in3 := introspection(t, func(c *verify.IntrospectionConfig) {
		c.Endpoint, c.HTTPClient = hang.URL, &http.Client{Timeout: 50 * time.Millisecond}
	})
	_, err = in3.Verify(t.Context(), raw)
	refused(t, err, verify.ErrUnavailable)

	// Wrong content type.
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionBody, b.IntrospectionContentType = `{"active":true}`, "text/html"
	})
	_, err = in.Verify(t.Context(), raw+"x")
	refused(t, err, verify.ErrUnavailable)
}

// An answer over 64 KiB is refused, and an endless one is read only up to
// that bound.
func TestAttackHugeIntrospectionAnswer(t *testing.T) {
	op, in := introspection(t, nil)
	op.Set(func(b *oidctest.Behavior) {
		b.IntrospectionBody = `{"active":true,"x":"` + strings.Repeat("a", 64<<10) + `"}`
	})
	_, err := in.Verify(t.Context(), clientToken(t, op, "", ""))
	refused(t, err, verify.ErrUnavailable)
	if !strings.Contains(err.Error(), "larger than") {
		t.Errorf("message: %v", err)
	}

	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"active":true,"x":"`)
		chunk := strings.Repeat("a", 32<<10)
		for r.Context().Err() == nil {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	_, in2 := introspection(t, func(c *verify.IntrospectionConfig) { c.Endpoint = endless.URL })
	_, err = in2.Verify(t.Context(), "some-token")
	refused(t, err, verify.ErrUnavailable)
}

func TestIntrospectorRefusesOversizedToken(t *testing.T) {
	op, in := introspection(t, func(c *verify.IntrospectionConfig) { c.MaxTokenSize = 10 })
	for _, raw := range []string{"", strings.Repeat("a", 11)} {
		_, err := in.Verify(t.Context(), raw)
		refused(t, err, verify.ErrInvalid)
	}
	if op.Count("introspection") != 0 {
		t.Errorf("%d introspection calls", op.Count("introspection"))
	}
}
