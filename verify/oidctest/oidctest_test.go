package oidctest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func getJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestDiscoveryAndJWKS(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	for _, p := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		code, doc := getJSON(t, s.URL+p)
		if code != 200 || doc["issuer"] != s.Issuer() || doc["jwks_uri"] != s.URL+"/jwks" {
			t.Errorf("%s: %d %v", p, code, doc)
		}
	}
	if s.Count("discovery") != 1 || s.Count("oauth-metadata") != 1 {
		t.Errorf("counts %d %d", s.Count("discovery"), s.Count("oauth-metadata"))
	}
	set, err := jwk.Fetch(context.Background(), s.URL+"/jwks")
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 3 {
		t.Fatalf("JWKS holds %d keys, want 3", set.Len())
	}
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		if _, ok := set.LookupKeyID(s.KeyID(alg)); !ok {
			t.Errorf("no %s key with kid %s", alg, s.KeyID(alg))
		}
		tok := s.Sign(oidctest.Token{Alg: alg, Claims: map[string]any{"sub": "x"}})
		if _, err := jws.Verify([]byte(tok), jws.WithKeySet(set)); err != nil {
			t.Errorf("%s token does not verify with jwx against the JWKS: %v", alg, err)
		}
	}
	s.RotateKeys()
	set, _ = jwk.Fetch(context.Background(), s.URL+"/jwks")
	if set.Len() != 6 {
		t.Errorf("after RotateKeys: %d keys, want 6", set.Len())
	}
	s.RetireOldKeys()
	set, _ = jwk.Fetch(context.Background(), s.URL+"/jwks")
	if set.Len() != 3 {
		t.Errorf("after RetireOldKeys: %d keys, want 3", set.Len())
	}
}

// authURL builds an authorization request for the default client.
func authURL(s *oidctest.Server, verifier string, extra url.Values) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {s.ClientID}, "redirect_uri": {"http://127.0.0.1:1/cb"},
		"scope": {"openid profile"}, "state": {"st"}, "nonce": {"nn"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return s.URL + "/authorize?" + q.Encode()
}

func postToken(t *testing.T, s *oidctest.Server, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	} else {
		form.Set("client_id", s.ClientID)
		form.Set("client_secret", s.ClientSecret)
		req, _ = http.NewRequest("POST", s.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		v, _ := url.ParseQuery(string(body))
		m = map[string]any{}
		for k := range v {
			m[k] = v.Get(k)
		}
	}
	return resp.StatusCode, m
}

func codeFrom(t *testing.T, s *oidctest.Server, verifier string) string {
	t.Helper()
	back, err := s.Login("alice", authURL(s, verifier, nil))
	if err != nil {
		t.Fatal(err)
	}
	if back.Query().Get("state") != "st" || back.Query().Get("code") == "" {
		t.Fatalf("redirect back %s", back)
	}
	return back.Query().Get("code")
}

func TestCodeFlow(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	verifier := strings.Repeat("v", 43)
	code := codeFrom(t, s, verifier)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {verifier}}
	status, tok := postToken(t, s, form, true)
	if status != 200 || tok["id_token"] == nil || tok["refresh_token"] == nil || tok["token_type"] != "Bearer" {
		t.Fatalf("code exchange: %d %v", status, tok)
	}
	// The code is single use; reusing it also revokes what it gave.
	if status, _ := postToken(t, s, form, true); status != 400 {
		t.Errorf("code reuse: %d", status)
	}
	if status, _ := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}, true); status != 400 {
		t.Errorf("refresh after code reuse: %d, want 400 (grant revoked)", status)
	}
	// PKCE and redirect_uri are checked.
	code = codeFrom(t, s, verifier)
	bad := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {strings.Repeat("w", 43)}}
	if status, m := postToken(t, s, bad, false); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("wrong code_verifier: %d %v", status, m)
	}
	code = codeFrom(t, s, verifier)
	bad = url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:2/cb"}, "code_verifier": {verifier}}
	if status, _ := postToken(t, s, bad, false); status != 400 {
		t.Errorf("wrong redirect_uri: %d", status)
	}
	if s.Count("token:authorization_code") != 4 {
		t.Errorf("Count(token:authorization_code) = %d", s.Count("token:authorization_code"))
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	back, err := s.Login("alice", authURL(s, "x", url.Values{"code_challenge": nil}))
	if err != nil || back.Query().Get("error") != "invalid_request" {
		t.Errorf("no PKCE: %v %v", back, err)
	}
	if _, err := s.Login("alice", authURL(s, "x", url.Values{"redirect_uri": {"https://evil.example/cb"}})); err == nil {
		t.Error("a non-loopback redirect_uri was accepted")
	}
	if _, err := s.Login("alice", authURL(s, "x", url.Values{"client_id": {"nobody"}})); err == nil {
		t.Error("an unknown client was accepted")
	}
}

func TestLoginForm(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	resp, err := http.Get(authURL(s, strings.Repeat("v", 43), nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="username"`) || !strings.Contains(string(body), `name="state" value="st"`) {
		t.Fatalf("login page: %s", body)
	}
	u, _ := url.Parse(authURL(s, strings.Repeat("v", 43), nil))
	form := u.Query()
	form.Set("username", "bob")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = c.PostForm(s.URL+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Query().Get("code") == "" || loc.Host != "127.0.0.1:1" {
		t.Errorf("form submit: %d %s", resp.StatusCode, loc)
	}
}

func TestClientAuthentication(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	s.AddClient(oidctest.Client{ID: "svc:1", Secret: "p@ss w%rd/+="})
	for _, basic := range []bool{true, false} {
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest("POST", s.URL+"/token", nil)
		if basic {
			req.SetBasicAuth(url.QueryEscape("svc:1"), url.QueryEscape("p@ss w%rd/+="))
		} else {
			form.Set("client_id", "svc:1")
			form.Set("client_secret", "p@ss w%rd/+=")
		}
		req.Body = io.NopCloser(strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("basic=%v with special characters: %d", basic, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("POST", s.URL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("svc:1", "wrong")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong secret: %d", resp.StatusCode)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	verifier := strings.Repeat("v", 43)
	_, tok := postToken(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {codeFrom(t, s, verifier)},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {verifier}}, true)
	rt1 := tok["refresh_token"].(string)
	status, r2 := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt1}}, true)
	rt2, _ := r2["refresh_token"].(string)
	if status != 200 || rt2 == "" || rt2 == rt1 || r2["id_token"] == nil {
		t.Fatalf("refresh: %d %v", status, r2)
	}
	// rt1 again: reuse, the grant is revoked, rt2 dies too.
	if status, _ := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt1}}, true); status != 400 {
		t.Errorf("reused refresh token: %d", status)
	}
	if status, _ := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt2}}, true); status != 400 {
		t.Errorf("refresh token of a revoked grant: %d", status)
	}
}

func TestClientCredentialsAudience(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	for param, want := range map[string]string{"audience": "https://a.example", "resource": "https://r.example", "": "api"} {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
		if param != "" {
			form.Set(param, want)
		}
		status, tok := postToken(t, s, form, true)
		if status != 200 || tok["refresh_token"] != nil {
			t.Fatalf("%s: %d %v", param, status, tok)
		}
		parts := strings.Split(tok["access_token"].(string), ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c map[string]any
		json.Unmarshal(payload, &c)
		if c["aud"] != want || c["scope"] != "read" || c["sub"] != s.ClientID {
			t.Errorf("%s: claims %v", param, c)
		}
	}
}

func TestTokenQuirks(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	check := func(name string, set func(*oidctest.Behavior), ok func(body, ct string) bool) {
		s.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
		s.Set(set)
		req, _ := http.NewRequest("POST", s.URL+"/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(s.ClientID, s.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !ok(string(body), resp.Header.Get("Content-Type")) {
			t.Errorf("%s: %s %s", name, resp.Header.Get("Content-Type"), body)
		}
	}
	check("string expires_in", func(b *oidctest.Behavior) { b.ExpiresInAsString = true }, func(body, _ string) bool { return strings.Contains(body, `"expires_in":"3600"`) })
	check("no expires_in", func(b *oidctest.Behavior) { b.OmitExpiresIn = true }, func(body, _ string) bool { return !strings.Contains(body, "expires_in") })
	check("lowercase type", func(b *oidctest.Behavior) { b.LowercaseTokenType = true }, func(body, _ string) bool { return strings.Contains(body, `"token_type":"bearer"`) })
	check("form body", func(b *oidctest.Behavior) { b.FormEncodedTokenResponse = true }, func(body, ct string) bool {
		return ct == "application/x-www-form-urlencoded" && strings.Contains(body, "access_token=")
	})
	check("raw body", func(b *oidctest.Behavior) { b.TokenBody, b.TokenContentType = "<html>oops</html>", "text/html" }, func(body, ct string) bool { return body == "<html>oops</html>" && ct == "text/html" })
}

func TestUserinfoEndSessionRevocation(t *testing.T) {
	s := oidctest.NewServer()
	defer s.Close()
	s.SetUser("alice", map[string]any{"groups": []string{"admins"}})
	verifier := strings.Repeat("v", 43)
	_, tok := postToken(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {codeFrom(t, s, verifier)},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {verifier}}, true)
	req, _ := http.NewRequest("GET", s.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, _ := http.DefaultClient.Do(req)
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["sub"] != "alice" || info["groups"] == nil {
		t.Errorf("userinfo: %v", info)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ = c.Get(s.URL + "/end_session?client_id=" + s.ClientID + "&post_logout_redirect_uri=" + url.QueryEscape("http://127.0.0.1:1/") + "&state=x")
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://127.0.0.1:1/?state=x" || len(s.EndSessionRequests()) != 1 {
		t.Errorf("end_session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ = http.NewRequest("POST", s.URL+"/revoke", strings.NewReader("token="+url.QueryEscape(tok["refresh_token"].(string))))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(s.RevokedTokens()) != 1 {
		t.Errorf("revoke: %d", resp.StatusCode)
	}
	if status, _ := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}, true); status != 400 {
		t.Errorf("refresh with a revoked token: %d", status)
	}
}

// Start a provider and mint an access token for a test.
func ExampleNewServer() {
	op := oidctest.NewServer()
	defer op.Close()
	tok := op.AccessToken("alice", "https://api.example.com", "read")
	parts := strings.Split(tok, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	json.Unmarshal(header, &h)
	fmt.Println(len(parts), h["alg"], h["typ"])
	// Output: 3 RS256 at+jwt
}
