package middleware_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// logoutTokenMaxAge is verify's limit on a logout token's age (5 minutes,
// stated in the doc of Verifier.VerifyLogoutToken).
const logoutTokenMaxAge = 5 * time.Minute

const bcEvent = "http://schemas.openid.net/event/backchannel-logout"

func logoutClaims(op *oidctest.Server, mod func(map[string]any)) map[string]any {
	c := map[string]any{"iss": op.Issuer(), "aud": op.ClientID, "iat": time.Now().Unix(),
		"exp": time.Now().Add(2 * time.Minute).Unix(), "jti": "jti-" + time.Now().Format("150405.000000000"),
		"events": map[string]any{bcEvent: map[string]any{}}, "sub": "alice"}
	if mod != nil {
		mod(c)
	}
	return c
}

func postLogout(t testing.TB, a *app, token string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(a.srv.URL+"/backchannel", url.Values{"logout_token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("back-channel answer without Cache-Control: no-store")
	}
	return resp.StatusCode, b.String()
}

func withBackchannel(a *app) *app {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /backchannel", a.auth.BackChannelLogout)
	mux.Handle("/", a.srv.Config.Handler)
	a.srv.Config.Handler = mux
	return a
}

func TestBackChannelLogoutRejections(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := withBackchannel(newApp(t, op))
	hdr := map[string]any{"typ": "logout+jwt"}
	rows := []struct {
		name string
		tok  string
	}{
		{"alg none", op.Sign(oidctest.Token{Alg: "none", Header: hdr, Claims: logoutClaims(op, nil)})},
		{"wrong alg (HS256)", op.Sign(oidctest.Token{Alg: "HS256", Header: hdr, Claims: logoutClaims(op, nil)})},
		{"wrong iss", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["iss"] = "https://evil.example" })})},
		{"wrong aud", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["aud"] = "other-client" })})},
		{"no events", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "events") })})},
		{"wrong event", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) {
			c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		})})},
		{"nonce present", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["nonce"] = "n" })})},
		{"neither sub nor sid", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "sub") })})},
		{"no jti", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "jti") })})},
		{"no iat", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "iat") })})},
		{"no exp", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "exp") })})},
		{"empty nonce", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["nonce"] = "" })})},
		{"iat older than 5 minutes", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) {
			c["iat"] = time.Now().Add(-logoutTokenMaxAge - 2*time.Minute).Unix()
		})})},
		{"event name in another case", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) {
			c["events"] = map[string]any{strings.ToUpper(bcEvent): map[string]any{}}
		})})},
		{"expired", op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })})},
		{"an ID token's typ", op.Sign(oidctest.Token{Header: map[string]any{"typ": "id_token+jwt"}, Claims: logoutClaims(op, nil)})},
		{"not a JWT", "garbage"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := postLogout(t, a, tc.tok); code != 400 || !strings.Contains(body, "invalid_request") {
				t.Errorf("%d %s", code, body)
			}
		})
	}
	good := op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, nil)})
	if code, body := postLogout(t, a, good); code != 200 {
		t.Fatalf("valid logout token: %d %s", code, body)
	}
	if code, _ := postLogout(t, a, good); code != 400 {
		t.Errorf("replayed jti: %d, want 400", code)
	}
}

// By sid one session ends; by sub every session of the user (cookie store:
// recorded in this process).
func TestBackChannelLogoutEndsSessions(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := withBackchannel(newApp(t, op))
	alice1, alice2, bob := newBrowser(t), newBrowser(t), newBrowser(t)
	alice1.login(a, "alice")
	alice2.login(a, "alice")
	bob.login(a, "bob")
	sid := sessionOf(t, a, alice1).SID
	if sid == "" || sid == sessionOf(t, a, alice2).SID {
		t.Fatalf("sids %q %q: want distinct provider sessions", sid, sessionOf(t, a, alice2).SID)
	}
	hdr := map[string]any{"typ": "logout+jwt"}
	tok := op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { delete(c, "sub"); c["sid"] = sid })})
	if code, body := postLogout(t, a, tok); code != 200 {
		t.Fatalf("logout by sid: %d %s", code, body)
	}
	for name, want := range map[*browser]int{alice1: 401, alice2: 200, bob: 200} {
		if code, _ := name.me(a); code != want {
			t.Errorf("after logout by sid: /me %d, want %d", code, want)
		}
	}
	tok = op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, nil)}) // sub alice
	if code, body := postLogout(t, a, tok); code != 200 {
		t.Fatalf("logout by sub: %d %s", code, body)
	}
	if code, _ := alice2.me(a); code != 401 {
		t.Errorf("alice's second session after logout by sub: %d", code)
	}
	if code, _ := bob.me(a); code != 200 {
		t.Errorf("bob after alice's logout: %d", code)
	}
	// Alice can sign in again afterwards.
	alice1.login(a, "alice")
	if code, _ := alice1.me(a); code != 200 {
		t.Errorf("alice signing in after the logout: %d", code)
	}
}
