package providers

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// githubAPI stands in for api.github.com/user/emails: it answers body to
// requests whose bearer token the test provider's userinfo accepts.
func githubAPI(t *testing.T, op *oidctest.Server, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest("GET", op.URL+"/userinfo", nil)
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// GitHub, as documented: no ID token, form-encoded token responses, the
// user API's numeric id as subject, the verified primary address from
// /user/emails replacing the profile's.
func TestGitHub(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OmitIDToken, b.FormEncodedTokenResponse = true, true })
	op.SetUser("alice", map[string]any{"id": 583231, "login": "alice", "email": "public@example.test"})
	md := verify.Metadata{Issuer: op.URL, AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: op.URL + "/userinfo"}
	for _, tc := range []struct {
		name, emails string
		want         any
	}{
		{"verified primary", `[{"email":"old@example.test","primary":false,"verified":true},{"email":"alice@example.test","primary":true,"verified":true,"visibility":"private"}]`, "alice@example.test"},
		{"unverified primary", `[{"email":"alice@example.test","primary":true,"verified":false}]`, nil},
	} {
		r := newRP(t, op, github(client(op), md, githubAPI(t, op, tc.emails)))
		q, status, claims := r.login("alice")
		if status != 200 || claims["sub"] != "583231" || claims["email"] != tc.want {
			t.Errorf("%s: %d %v (%v)", tc.name, status, claims, r.lastErr())
		}
		if q.Get("scope") != "read:user user:email" {
			t.Errorf("scope %q", q.Get("scope"))
		}
	}
	r := newRP(t, op, github(client(op), md, githubAPI(t, op, `{"message":"oops"}`)))
	if _, status, _ := r.login("alice"); status == 200 {
		t.Error("an unreadable /user/emails answer let the login through")
	}
}

// A GitHub App's expiring user tokens (expires_in 8 hours, a refresh
// token, form-encoded like every GitHub answer) are refreshed once the
// access token is due.
func TestGitHubAppExpiringTokens(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) {
		b.OmitIDToken, b.FormEncodedTokenResponse, b.AccessTokenTTL = true, true, 8*time.Hour
	})
	op.SetUser("alice", map[string]any{"id": 583231})
	md := verify.Metadata{Issuer: op.URL, AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token", UserinfoEndpoint: op.URL + "/userinfo"}
	p := github(client(op), md, githubAPI(t, op, `[]`))
	var skew atomic.Int64
	p.Config.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	r := newRP(t, op, p)
	if _, status, _ := r.login("alice"); status != 200 {
		t.Fatalf("login: %d (%v)", status, r.lastErr())
	}
	skew.Store(int64(9 * time.Hour))
	if status := r.me(); status != 200 || op.Count("token:refresh_token") != 1 {
		t.Errorf("after 9 hours: /me %d, %d refreshes (%v)", status, op.Count("token:refresh_token"), r.lastErr())
	}
}
