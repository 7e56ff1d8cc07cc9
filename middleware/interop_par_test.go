package middleware_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// panva/oidc-provider requiring pushed authorization requests: Gatehouse
// pushes without being told (require_pushed_authorization_requests), the
// browser carries only client_id and request_uri, and with MaxAge the ID
// token carries an auth_time within it.
func TestInteropPushedAuthorizationAndMaxAge(t *testing.T) {
	a := newInteropApp(t, opOptions{atTTL: 3600, requirePAR: true, maxAge: 5 * time.Minute})
	if !a.p.Metadata().RequirePushedAuthorizationRequests || a.p.Metadata().PushedAuthorizationRequestEndpoint == "" {
		t.Fatalf("the provider does not advertise required PAR: %+v", a.p.Metadata())
	}
	c := interopBrowser()
	var authorize *url.URL
	c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if authorize == nil && strings.HasPrefix(r.URL.String(), a.p.Metadata().AuthorizationEndpoint) {
			authorize = r.URL
		}
		return nil
	}
	a.login(t, c, "alice")
	if q := authorize.Query(); len(q) != 2 || q.Get("request_uri") == "" || q.Get("client_id") != interopClientID {
		t.Errorf("the browser carried %s: want only client_id and request_uri", authorize)
	}
	idt := a.tokens(t, c).IDT
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(idt, ".")[1])
	var claims struct {
		AuthTime int64 `json:"auth_time"`
		Iat      int64 `json:"iat"`
	}
	// sleep-ok: the independent provider stamps auth_time on the wall clock; a five-minute bound no load breaks.
	// The authentication happened within max_age of the token's issue.
	if err := json.Unmarshal(payload, &claims); err != nil || claims.AuthTime == 0 || claims.AuthTime > claims.Iat || claims.Iat-claims.AuthTime > 300 {
		t.Errorf("ID token auth_time %d, iat %d (%v)", claims.AuthTime, claims.Iat, err)
	}
}
