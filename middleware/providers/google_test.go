package providers

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Google, as documented: ID tokens with the issuer "https://accounts.google.com"
// or "accounts.google.com", hd in the ID token of Workspace accounts only;
// a refresh token asked for with access_type=offline and prompt=consent.
func TestGoogle(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	const alias = "accounts.oidctest" // stands for "accounts.google.com"
	op.SetUser("alice", map[string]any{"hd": "example.com"})
	op.SetUser("mallory", map[string]any{"hd": "evil.example"})
	r := newRP(t, op, google(client(op), "example.com", op.URL, alias))

	q, status, claims := r.login("alice")
	if status != 200 || claims["hd"] != "example.com" {
		t.Fatalf("alice of example.com: %d %v (%v)", status, claims, r.lastErr())
	}
	if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || q.Get("hd") != "example.com" {
		t.Errorf("authorization request %v", q)
	}
	op.Set(func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"iss": alias} })
	if _, status, _ := r.login("alice"); status != 200 {
		t.Errorf("issuer %q: %d (%v)", alias, status, r.lastErr())
	}
	t.Run("AttackOtherIssuerSpelling", func(t *testing.T) {
		op.Set(func(b *oidctest.Behavior) { b.IDTokenClaims = map[string]any{"iss": "https://" + alias} })
		if _, status, _ := r.login("alice"); status == 200 {
			t.Error("another issuer spelling accepted")
		}
	})
	op.Set(func(b *oidctest.Behavior) { b.IDTokenClaims = nil })
	for _, user := range []string{"mallory", "bob"} { // another domain; a consumer account (no hd)
		t.Run("AttackHostedDomain/"+user, func(t *testing.T) {
			if _, status, _ := r.login(user); status != 403 {
				t.Errorf("%s: %d, want 403", user, status)
			}
		})
	}
}

// The hd check reads the verified ID token, not userinfo: a userinfo hd
// merged into the claims does not let another domain in.
func TestAttackGoogleHostedDomainFromUserinfo(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.UserinfoBody = `{"sub":"bob","hd":"example.com"}` })
	p := google(client(op), "example.com", op.URL, "accounts.oidctest")
	p.Config.FetchUserinfo = true
	r := newRP(t, op, p)
	if _, status, _ := r.login("bob"); status != 403 {
		t.Errorf("hd only in userinfo: %d, want 403", status)
	}
}
