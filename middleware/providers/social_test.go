package providers

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// at points a preset built for a real provider at the test provider: its
// issuer, and for plain OAuth 2.0 its endpoints (the userinfo query kept).
func at(p Preset, op *oidctest.Server) Preset {
	p.Provider.Issuer = op.URL
	if md := p.Provider.Metadata; md != nil {
		cp := *md
		cp.Issuer, cp.AuthorizationEndpoint, cp.TokenEndpoint, cp.RevocationEndpoint = op.URL, op.URL+"/authorize", op.URL+"/token", op.URL+"/revoke"
		cp.UserinfoEndpoint = op.URL + "/userinfo"
		if i := strings.IndexByte(md.UserinfoEndpoint, '?'); i >= 0 {
			cp.UserinfoEndpoint += md.UserinfoEndpoint[i:]
		}
		p.Provider.Metadata = &cp
	}
	return p
}

// Facebook and Discord, as documented: no ID token, the user API's
// string id as subject; Discord's email kept only when "verified".
func TestFacebookDiscord(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OmitIDToken = true })
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"id":"10158000000000001","name":"Alice"}` })
	if q, status, claims := newRP(t, op, at(Facebook(client(op)), op)).login("alice"); status != 200 || claims["sub"] != "10158000000000001" || q.Get("scope") != "public_profile email" {
		t.Errorf("Facebook: %d %v %v", status, claims, q)
	}
	for body, want := range map[string]any{
		`{"id":"80351110224678912","username":"alice","email":"alice@example.test","verified":true}`:  "alice@example.test",
		`{"id":"80351110224678912","username":"alice","email":"alice@example.test","verified":false}`: nil,
	} {
		op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = body })
		r := newRP(t, op, at(Discord(client(op)), op))
		if _, status, claims := r.login("alice"); status != 200 || claims["sub"] != "80351110224678912" || claims["email"] != want {
			t.Errorf("Discord %s: %d %v (%v)", body, status, claims, r.lastErr())
		}
	}
}

// Slack, LinkedIn and Twitch, as documented: OpenID Connect with the
// secret in the form only (the test provider refuses client_secret_basic);
// Twitch asks for its claims with the claims parameter.
func TestClientSecretPostProviders(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.OnlyClientSecretPost = true })
	for _, p := range []Preset{Slack(client(op)), LinkedIn(client(op)), Twitch(client(op))} {
		r := newRP(t, op, at(p, op))
		q, status, _ := r.login("alice")
		if status != 200 {
			t.Errorf("%s: %d (%v)", p.Name, status, r.lastErr())
		}
		if p.Name == "twitch" && !strings.Contains(q.Get("claims"), `"preferred_username"`) {
			t.Errorf("twitch: claims parameter %q", q.Get("claims"))
		}
	}
}

// Cognito, as documented: the logout endpoint, absent from discovery, is
// added with logout_uri, and logout goes there with client_id.
func TestCognitoLogout(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	if p := Cognito(Client{}, "eu-west-1", "eu-west-1_AbC", "auth.example.com", "https://app.example/bye"); p.Provider.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC" ||
		p.EndSession != "https://auth.example.com/logout?logout_uri=https%3A%2F%2Fapp.example%2Fbye" {
		t.Errorf("Cognito: %q %q", p.Provider.Issuer, p.EndSession)
	}
	p := cognito(client(op), op.URL, op.URL+"/logout", "http://127.0.0.1/bye")
	cfg, prov, err := p.Discover(context.Background(), newSessions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Close()
	if got := prov.Metadata().EndSessionEndpoint; got != op.URL+"/logout?logout_uri=http%3A%2F%2F127.0.0.1%2Fbye" || cfg.PostLogoutRedirectURL != "http://127.0.0.1/bye" {
		t.Errorf("end_session_endpoint %q, PostLogoutRedirectURL %q", got, cfg.PostLogoutRedirectURL)
	}
	if _, status, _ := newRP(t, op, p).login("alice"); status != 200 {
		t.Errorf("login: %d", status)
	}
}
