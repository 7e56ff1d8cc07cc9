package oidctest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestEndSession(t *testing.T) {
	s := newServer(t)
	s.AddClient(oidctest.Client{ID: "strict", Secret: "x", PostLogoutRedirectURIs: []string{"https://app.example/bye"}})
	idt := signIn(t, s)["id_token"].(string)
	for _, tc := range []struct {
		name   string
		q      url.Values
		target string // "" for the signed-out page
	}{
		{"client_id", url.Values{"client_id": {s.ClientID}, "post_logout_redirect_uri": {"http://127.0.0.1:1/?a=1"}, "state": {"s &x"}},
			"http://127.0.0.1:1/?a=1&state=s+%26x"},
		{"id_token_hint", url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"http://localhost:2/bye"}}, "http://localhost:2/bye"},
		{"both", url.Values{"id_token_hint": {idt}, "client_id": {s.ClientID}, "post_logout_redirect_uri": {"http://localhost:2/bye"}}, "http://localhost:2/bye"},
		{"registered", url.Values{"client_id": {"strict"}, "post_logout_redirect_uri": {"https://app.example/bye"}}, "https://app.example/bye"},
		{"unregistered", url.Values{"client_id": {"strict"}, "post_logout_redirect_uri": {"https://evil.example/"}}, ""},
		{"not loopback", url.Values{"client_id": {s.ClientID}, "post_logout_redirect_uri": {"https://evil.example/"}}, ""},
		{"no client", url.Values{"post_logout_redirect_uri": {"http://127.0.0.1:1/"}}, ""},
		{"hint of another client", url.Values{"id_token_hint": {idt}, "client_id": {"strict"}, "post_logout_redirect_uri": {"https://app.example/bye"}}, ""},
		{"forged hint", url.Values{"id_token_hint": {s.Sign(oidctest.Token{Alg: "none", Claims: map[string]any{"azp": s.ClientID}})},
			"post_logout_redirect_uri": {"http://127.0.0.1:1/"}}, ""},
		{"nothing", url.Values{}, ""},
	} {
		resp, page := get(t, noRedirects, s.URL+"/end_session?"+tc.q.Encode())
		switch {
		case tc.target != "" && (resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tc.target):
			t.Errorf("%s: %d %q, want a redirect to %s", tc.name, resp.StatusCode, resp.Header.Get("Location"), tc.target)
		case tc.target == "" && (resp.StatusCode != http.StatusOK || !strings.Contains(page, "Signed out")):
			t.Errorf("%s: %d %q, want the signed-out page", tc.name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	ends := s.EndSessionRequests()
	if len(ends) != 10 || ends[0].Get("state") != "s &x" || ends[1].Get("id_token_hint") != idt || s.Count("end_session") != 10 {
		t.Errorf("EndSessionRequests: %d %v", len(ends), ends[:1])
	}
	ends[0].Set("state", "changed")
	if s.EndSessionRequests()[0].Get("state") != "s &x" {
		t.Error("EndSessionRequests shares its maps")
	}
}

func TestBackchannelLogout(t *testing.T) {
	s := newServer(t)
	got := make(chan string, 1)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got <- r.PostForm.Get("logout_token")
	}))
	defer rp.Close()
	s.AddClient(oidctest.Client{ID: s.ClientID, Secret: s.ClientSecret, BackchannelLogoutURI: rp.URL})
	idt := verified(t, s, signIn(t, s)["id_token"])
	get(t, noRedirects, s.URL+"/end_session?"+url.Values{"id_token_hint": {signIn(t, s)["id_token"].(string)}}.Encode())
	var lt string
	select {
	case lt = <-got:
	default:
		t.Fatal("no back-channel logout")
	}
	h, _ := parts(t, lt)
	c := verified(t, s, lt)
	ev, _ := c["events"].(map[string]any)
	if h["typ"] != "logout+jwt" || c["iss"] != s.Issuer() || c["aud"] != s.ClientID || c["sub"] != idt["sub"] ||
		c["sid"] == nil || c["jti"] == nil || c["iat"] == nil || c["nonce"] != nil || ev["http://schemas.openid.net/event/backchannel-logout"] == nil {
		t.Errorf("logout token %v %v", h, c)
	}
	if _, c := parts(t, s.LogoutToken("", "sid-1", "app")); c["sub"] != nil || c["sid"] != "sid-1" {
		t.Errorf("LogoutToken without sub: %v", c)
	}
}

func revoke(t *testing.T, s *oidctest.Server, form url.Values, user, pass string) (*http.Response, string) {
	t.Helper()
	return post(t, s.URL+"/revoke", form, user, pass)
}

func TestRevocation(t *testing.T) {
	s := newServer(t)
	tok := signIn(t, s)
	rt, at := tok["refresh_token"].(string), tok["access_token"].(string)
	// An access token alone.
	if resp, _ := revoke(t, s, url.Values{"token": {at}, "token_type_hint": {"access_token"}}, s.ClientID, s.ClientSecret); resp.StatusCode != 200 {
		t.Fatalf("revoke access token: %d", resp.StatusCode)
	}
	if resp, _ := userinfo(t, s, http.MethodGet, at); resp.StatusCode != 401 {
		t.Errorf("revoked access token at userinfo: %d", resp.StatusCode)
	}
	// A refresh token revokes its grant.
	_, r2 := tokenRequest(t, s, refreshForm(rt))
	if resp, _ := revoke(t, s, url.Values{"token": {r2["refresh_token"].(string)}}, s.ClientID, s.ClientSecret); resp.StatusCode != 200 {
		t.Fatalf("revoke refresh token: %d", resp.StatusCode)
	}
	if status, _ := tokenRequest(t, s, refreshForm(r2["refresh_token"])); status != 400 {
		t.Errorf("refresh with a revoked token: %d", status)
	}
	if resp, _ := userinfo(t, s, http.MethodGet, r2["access_token"].(string)); resp.StatusCode != 401 {
		t.Errorf("access token of a revoked grant: %d", resp.StatusCode)
	}
	// A minted JWT, and an unknown token: 200.
	minted := s.AccessToken("dave", "api")
	for _, tk := range []string{minted, "unknown"} {
		if resp, _ := revoke(t, s, url.Values{"token": {tk}}, "", ""); resp.StatusCode != 401 {
			t.Errorf("revocation without client authentication: %d", resp.StatusCode)
		}
		form := url.Values{"token": {tk}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}
		if resp, _ := revoke(t, s, form, "", ""); resp.StatusCode != 200 {
			t.Errorf("revoke %s: %d", tk, resp.StatusCode)
		}
	}
	if resp, _ := userinfo(t, s, http.MethodGet, minted); resp.StatusCode != 401 {
		t.Errorf("revoked minted token at userinfo: %d", resp.StatusCode)
	}
	// Another client's token is refused and left alone; no token is an error.
	s.AddClient(oidctest.Client{ID: "other", Secret: "o"})
	live := signIn(t, s)
	if resp, body := revoke(t, s, url.Values{"token": {live["refresh_token"].(string)}}, "other", "o"); resp.StatusCode != 400 || !strings.Contains(body, "unauthorized_client") {
		t.Errorf("another client's token: %d %s", resp.StatusCode, body)
	}
	if status, _ := tokenRequest(t, s, refreshForm(live["refresh_token"])); status != 200 {
		t.Errorf("a refused revocation revoked: %d", status)
	}
	if resp, _ := revoke(t, s, url.Values{}, s.ClientID, s.ClientSecret); resp.StatusCode != 400 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if got := s.RevokedTokens(); len(got) != 4 || got[0] != at || got[3] != "unknown" {
		t.Errorf("RevokedTokens: %d %v", len(got), got)
	}
	s.Set(func(b *oidctest.Behavior) { b.RevocationStatus = 503 })
	if resp, _ := revoke(t, s, url.Values{"token": {"x"}}, s.ClientID, s.ClientSecret); resp.StatusCode != 503 {
		t.Errorf("RevocationStatus: %d", resp.StatusCode)
	}
	if s.Count("revocation") != 9 {
		t.Errorf("Count(revocation) = %d", s.Count("revocation"))
	}
}

// LogoutRequiresState returns the browser only with a state, as Glewlwyd does.
func TestLogoutRequiresState(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.LogoutRequiresState = true })
	q := url.Values{"client_id": {s.ClientID}, "post_logout_redirect_uri": {"http://127.0.0.1:1/"}}
	if resp, page := get(t, noRedirects, s.URL+"/end_session?"+q.Encode()); resp.StatusCode != 200 || !strings.Contains(page, "Signed out") {
		t.Errorf("without state: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q.Set("state", "s1")
	if resp, _ := get(t, noRedirects, s.URL+"/end_session?"+q.Encode()); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://127.0.0.1:1/?state=s1" {
		t.Errorf("with state: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
