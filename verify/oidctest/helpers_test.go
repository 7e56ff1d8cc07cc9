package oidctest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

const (
	redirectURI = "http://127.0.0.1:1/cb"
	verifier    = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" // 44 characters
)

// newServer starts a provider closed at the end of the test.
func newServer(t *testing.T) *oidctest.Server {
	t.Helper()
	s := oidctest.NewServer()
	t.Cleanup(s.Close)
	return s
}

// noRedirects is a client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get fetches u and returns the response with its body read.
func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// post posts a form, with Basic credentials when user is not empty.
func post(t *testing.T, u string, form url.Values, user, pass string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return do(t, noRedirects, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// tokenRequest posts to /token as the default client (client_secret_basic)
// and decodes the JSON answer.
func tokenRequest(t *testing.T, s *oidctest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, body := post(t, s.URL+"/token", form, url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("token response %d is not JSON: %q", resp.StatusCode, body)
	}
	return resp.StatusCode, m
}

// authURL builds an authorization request for the default client; extra
// replaces parameters (a nil value removes one).
func authURL(s *oidctest.Server, extra url.Values) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {s.ClientID}, "redirect_uri": {redirectURI},
		"scope": {"openid profile offline_access"}, "state": {"st"}, "nonce": {"nn"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		if v == nil {
			delete(q, k)
		} else {
			q[k] = v
		}
	}
	return s.URL + "/authorize?" + q.Encode()
}

// login signs alice in with Login and returns the code.
func login(t *testing.T, s *oidctest.Server, extra url.Values) string {
	t.Helper()
	back, err := s.Login("alice", authURL(s, extra))
	if err != nil {
		t.Fatal(err)
	}
	if back.Query().Get("state") != "st" || back.Query().Get("code") == "" {
		t.Fatalf("redirect back: %s", back)
	}
	return back.Query().Get("code")
}

// codeForm is the token request exchanging code.
func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}
}

// signIn runs the code flow for alice and returns the token response.
func signIn(t *testing.T, s *oidctest.Server) map[string]any {
	t.Helper()
	status, tok := tokenRequest(t, s, codeForm(login(t, s, nil)))
	if status != http.StatusOK {
		t.Fatalf("code exchange: %d %v", status, tok)
	}
	return tok
}

func refreshForm(rt any) url.Values {
	s, _ := rt.(string)
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s}}
}

// verified checks a JWT's signature with jwx against the server's JWKS and
// returns its claims.
func verified(t *testing.T, s *oidctest.Server, tok any) map[string]any {
	t.Helper()
	raw, _ := tok.(string)
	set, err := jwk.Fetch(context.Background(), s.URL+"/jwks")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify([]byte(raw), jws.WithKeySet(set))
	if err != nil {
		t.Fatalf("%s does not verify against the JWKS: %v", raw, err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// parts decodes a JWT's header and claims without verifying.
func parts(t *testing.T, tok any) (header, claims map[string]any) {
	t.Helper()
	raw, _ := tok.(string)
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		t.Fatalf("not a JWS: %q", raw)
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(p[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}
