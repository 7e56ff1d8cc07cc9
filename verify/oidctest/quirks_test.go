package oidctest_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// rawToken runs a code flow under b and returns the raw token response.
func rawToken(t *testing.T, s *oidctest.Server, b oidctest.Behavior) (*http.Response, string) {
	t.Helper()
	s.Set(func(x *oidctest.Behavior) { *x = b })
	return post(t, s.URL+"/token", codeForm(login(t, s, nil)), url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
}

func TestTokenResponseQuirks(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		name string
		b    oidctest.Behavior
		ok   func(body, contentType string) bool
	}{
		{"correct", oidctest.Behavior{}, func(body, ct string) bool {
			return ct == "application/json" && strings.Contains(body, `"expires_in":3600`) && strings.Contains(body, `"token_type":"Bearer"`)
		}},
		{"ExpiresInAsString", oidctest.Behavior{ExpiresInAsString: true}, func(body, _ string) bool { return strings.Contains(body, `"expires_in":"3600"`) }},
		{"OmitExpiresIn", oidctest.Behavior{OmitExpiresIn: true}, func(body, _ string) bool { return !strings.Contains(body, "expires_in") }},
		{"ExpiresInNanoseconds", oidctest.Behavior{ExpiresInNanoseconds: true}, func(body, _ string) bool { return strings.Contains(body, `"expires_in":3600000000000`) }},
		{"MisspelledExpiresIn", oidctest.Behavior{MisspelledExpiresIn: true}, func(body, _ string) bool {
			return strings.Contains(body, `"expire_in":"3600"`) && !strings.Contains(body, "expires_in")
		}},
		{"LowercaseTokenType", oidctest.Behavior{LowercaseTokenType: true}, func(body, _ string) bool { return strings.Contains(body, `"token_type":"bearer"`) }},
		{"OmitIDToken", oidctest.Behavior{OmitIDToken: true}, func(body, _ string) bool {
			return !strings.Contains(body, "id_token") && strings.Contains(body, "access_token")
		}},
		{"AccessTokenTTL", oidctest.Behavior{AccessTokenTTL: time.Minute}, func(body, _ string) bool { return strings.Contains(body, `"expires_in":60`) }},
		{"FormEncodedTokenResponse", oidctest.Behavior{FormEncodedTokenResponse: true}, func(body, ct string) bool {
			v, err := url.ParseQuery(body)
			return err == nil && ct == "application/x-www-form-urlencoded" && v.Get("access_token") != "" &&
				v.Get("token_type") == "Bearer" && v.Get("expires_in") == "3600" && v.Get("refresh_token") != "" && v.Get("id_token") != ""
		}},
		{"TokenBody", oidctest.Behavior{TokenBody: "<html>oops</html>", TokenContentType: "text/html"}, func(body, ct string) bool {
			return body == "<html>oops</html>" && ct == "text/html"
		}},
		{"TokenBody default type", oidctest.Behavior{TokenBody: `{"access_token":1}`}, func(body, ct string) bool {
			return body == `{"access_token":1}` && ct == "application/json"
		}},
	} {
		resp, body := rawToken(t, s, tc.b)
		if resp.StatusCode != 200 || !tc.ok(body, resp.Header.Get("Content-Type")) {
			t.Errorf("%s: %d %s %s", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if tc.b.TokenBody == "" && resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.name, resp.Header.Get("Cache-Control"))
		}
	}
	resp, body := rawToken(t, s, oidctest.Behavior{OpaqueAccessTokens: true})
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	if at, _ := m["access_token"].(string); resp.StatusCode != 200 || at == "" || strings.Contains(at, ".") {
		t.Errorf("OpaqueAccessTokens: %s", body)
	}
	if resp, _ := get(t, http.DefaultClient, s.URL+"/userinfo", "Authorization", "Bearer "+m["access_token"].(string)); resp.StatusCode != 200 {
		t.Errorf("userinfo with an opaque token: %d", resp.StatusCode)
	}
}

// OnlyClientSecretPost refuses client_secret_basic while advertising it, and
// accepts the same credentials posted in the form.
func TestOnlyClientSecretPost(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.OnlyClientSecretPost = true })
	if resp, body := post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}}, s.ClientID, s.ClientSecret); resp.StatusCode != 401 || !strings.Contains(body, `"invalid_client"`) {
		t.Errorf("client_secret_basic: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}
	if resp, body := post(t, s.URL+"/token", form, "", ""); resp.StatusCode != 200 {
		t.Errorf("client_secret_post: %d %s", resp.StatusCode, body)
	}
}

func TestTokenFaults(t *testing.T) {
	s := newServer(t)
	for status, code := range map[int]string{500: "server_error", 503: "server_error", 400: "invalid_grant", 401: "invalid_grant"} {
		resp, body := rawToken(t, s, oidctest.Behavior{TokenStatus: status})
		if resp.StatusCode != status || !strings.Contains(body, `"error":"`+code+`"`) {
			t.Errorf("TokenStatus %d: %d %s", status, resp.StatusCode, body)
		}
	}
	if resp, body := rawToken(t, s, oidctest.Behavior{TokenStatus: 502, TokenBody: "bad gateway", TokenContentType: "text/plain"}); resp.StatusCode != 502 || body != "bad gateway" {
		t.Errorf("TokenStatus with TokenBody: %d %s", resp.StatusCode, body)
	}
	// TokenDelay honours the request's cancellation: a server delaying an
	// hour closes (Close waits for every handler) once the client gives
	// up, which it could not if the handler kept waiting. The client sends
	// "Expect: 100-continue" and its body only once the handler reads it,
	// and gives up when the body is written: the handler is running then.
	slow := oidctest.NewServer()
	slow.Set(func(b *oidctest.Behavior) { b.TokenDelay = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, slow.URL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Expect", "100-continue")
	req.SetBasicAuth(slow.ClientID, slow.ClientSecret)
	tr := &http.Transport{ExpectContinueTimeout: time.Hour}
	defer tr.CloseIdleConnections()
	if _, err := (&http.Client{Transport: tr}).Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("TokenDelay: %v", err)
	}
	slow.Close()
	s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{TokenDelay: 50 * time.Millisecond} })
	start := time.Now()
	status, _ := tokenRequest(t, s, url.Values{"grant_type": {"client_credentials"}})
	// sleep-ok: a lower bound, which no load can break (a timer never fires early).
	if took := time.Since(start); status != 200 || took < 50*time.Millisecond {
		t.Errorf("TokenDelay: %d after %v", status, took)
	}
	// An oversized body is refused.
	big := url.Values{"grant_type": {"client_credentials"}, "pad": {strings.Repeat("x", 70<<10)}}
	if resp, _ := post(t, s.URL+"/token", big, s.ClientID, s.ClientSecret); resp.StatusCode != 400 {
		t.Errorf("oversized body: %d", resp.StatusCode)
	}
}

func TestIDTokenMisbehaviour(t *testing.T) {
	s := newServer(t)
	idToken := func(b oidctest.Behavior) string {
		t.Helper()
		s.Set(func(x *oidctest.Behavior) { *x = b })
		status, tok := tokenRequest(t, s, codeForm(login(t, s, nil)))
		if status != 200 {
			t.Fatalf("%d %v", status, tok)
		}
		return tok["id_token"].(string)
	}
	tok := idToken(oidctest.Behavior{IDTokenClaims: map[string]any{"nonce": "other", "sid": nil, "aud": []string{"a", "b"}},
		IDTokenHeader: map[string]any{"typ": nil, "x": "y"}})
	h, c := parts(t, tok)
	if c["nonce"] != "other" || c["sid"] != nil || len(c["aud"].([]any)) != 2 || h["typ"] != nil || h["x"] != "y" {
		t.Errorf("overrides: %v %v", h, c)
	}
	verified(t, s, tok)
	for _, alg := range []string{"ES256", "EdDSA", "PS256"} {
		tok := idToken(oidctest.Behavior{IDTokenAlg: alg})
		if h, _ := parts(t, tok); h["alg"] != alg {
			t.Errorf("IDTokenAlg %s: %v", alg, h)
		}
		if _, err := jws.Verify([]byte(tok), jws.WithKey(jwaAlg(t, alg), s.PublicKey(alg))); err != nil {
			t.Errorf("IDTokenAlg %s: %v", alg, err)
		}
	}
	if tok := idToken(oidctest.Behavior{IDTokenAlg: "none"}); !strings.HasSuffix(tok, ".") {
		t.Errorf("alg none: %s", tok)
	}
	tok = idToken(oidctest.Behavior{IDTokenAlg: "HS256"})
	if _, err := jws.Verify([]byte(tok), jws.WithKey(jwaAlg(t, "HS256"), []byte(s.ClientSecret))); err != nil {
		t.Errorf("HS256 with the client secret: %v", err)
	}
	for _, alg := range []string{"RS256", "EdDSA", "none"} {
		tok := idToken(oidctest.Behavior{IDTokenAlg: alg, BadIDTokenSignature: true})
		if strings.HasSuffix(tok, ".") {
			t.Errorf("BadIDTokenSignature %s: unsigned", alg)
		}
		if alg == "none" {
			continue
		}
		if _, err := jws.Verify([]byte(tok), jws.WithKey(jwaAlg(t, alg), s.PublicKey(alg))); err == nil {
			t.Errorf("BadIDTokenSignature %s: verifies", alg)
		}
	}
	if _, ok := s.PublicKey("EdDSA").(ed25519.PublicKey); !ok {
		t.Error("EdDSA public key type")
	}
	s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{IDTokenTTL: time.Minute} })
	_, c = parts(t, idToken(oidctest.Behavior{IDTokenTTL: time.Minute}))
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 60 {
		t.Errorf("IDTokenTTL: exp-iat = %v", exp-iat)
	}
}

// Switches flip while requests run; go test -race checks the locking.
func TestSetWhileServing(t *testing.T) {
	s := newServer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				s.Set(func(b *oidctest.Behavior) {
					b.LowercaseTokenType = (i+j)%2 == 0
					b.IDTokenClaims = map[string]any{"n": j}
				})
				if status, _ := tokenRequest(t, s, codeForm(login(t, s, nil))); status != 200 {
					t.Errorf("status %d", status)
				}
				if i == 0 && j == 2 {
					s.RotateKeys()
				}
			}
		}()
	}
	wg.Wait()
	if n := s.Count("token:authorization_code"); n != 40 {
		t.Errorf("Count = %d, want 40", n)
	}
}

// EchoClientSecret refuses a correctly authenticated client, echoing its
// credentials in the chosen spelling; a wrong secret is still plainly
// refused.
func TestEchoClientSecret(t *testing.T) {
	s := newServer(t)
	s.AddClient(oidctest.Client{ID: s.ClientID, Secret: `a+b/c d"e`})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.ClientID+":a%2Bb%2Fc+d%22e"))
	for how, want := range map[string]string{
		"raw": `a+b/c d"e`, "url": "a+b%2Fc%20d%22e", "form": "client_secret=a%2Bb%2Fc+d%22e",
		"basic": basic, "json": `"client_secret":"a+b/c d\"e"}`,
	} {
		s.Set(func(b *oidctest.Behavior) { b.EchoClientSecret = how })
		resp, body := post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}}, s.ClientID, url.QueryEscape(`a+b/c d"e`))
		var m map[string]string
		json.Unmarshal([]byte(body), &m)
		if resp.StatusCode != 401 || m["error"] != "invalid_client" || !strings.HasSuffix(m["error_description"], want) {
			t.Errorf("%s: %d %q, want 401 invalid_client ending in %q", how, resp.StatusCode, body, want)
		}
		if _, body := post(t, s.URL+"/token", url.Values{"grant_type": {"client_credentials"}}, s.ClientID, "wrong"); strings.Contains(body, "received") {
			t.Errorf("%s: a wrong secret was echoed: %s", how, body)
		}
	}
}
