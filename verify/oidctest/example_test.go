package oidctest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Start a provider and mint an access token for an API test.
func ExampleNewServer() {
	op := oidctest.NewServer()
	defer op.Close()

	tok := op.AccessToken("alice", "https://api.example.com", "read", "write")

	// Decode the payload just to show it; real tests verify the token with
	// the JWKS at op.URL + "/jwks".
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	fmt.Println(claims["iss"] == op.Issuer(), claims["sub"], claims["aud"], claims["scope"])
	// Output: true alice https://api.example.com read write
}

// Sign a user in without a browser and exchange the code.
func ExampleServer_Login() {
	op := oidctest.NewServer()
	defer op.Close()

	verifier := strings.Repeat("x", 43)
	sum := sha256.Sum256([]byte(verifier))
	authorize := op.URL + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {op.ClientID}, "redirect_uri": {"http://127.0.0.1:8080/callback"},
		"scope": {"openid"}, "state": {"s1"}, "nonce": {"n1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}.Encode()
	back, err := op.Login("alice", authorize)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Path, back.Query().Get("state"))

	req, _ := http.NewRequest(http.MethodPost, op.URL+"/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:8080/callback"}, "code_verifier": {verifier},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(op.ClientID), url.QueryEscape(op.ClientSecret))
	resp, err := op.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	fmt.Println(resp.StatusCode, tok["token_type"], tok["id_token"] != nil, tok["refresh_token"] != nil)
	// Output:
	// /callback s1
	// 200 Bearer true true
}
