package verify_test

import (
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// logoutTokenMaxAge is verify's limit on a logout token's age (5 minutes,
// stated in the doc of Verifier.VerifyLogoutToken).
const logoutTokenMaxAge = 5 * time.Minute

// TestAttackLogoutTokenRefusals: each rule of a logout token (Back-Channel
// Logout 1.0 §2.4, §2.6) refuses on its own: an ID token's typ, another
// client's audience, no iat, an iat a second past LogoutTokenMaxAge and the
// leeway (the edge itself passes), neither sub nor sid, no jti, no events.
func TestAttackLogoutTokenRefusals(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	const leeway = 10 * time.Second
	op, v := setup(t, verify.Config{Leeway: leeway, Now: func() time.Time { return now }})
	logout := map[string]any{"typ": "logout+jwt"}
	edge := now.Add(-logoutTokenMaxAge - leeway)
	rows := []struct {
		name   string
		header map[string]any
		mod    func(map[string]any)
		want   string // "" for a token that passes
	}{
		{"an ID token's typ", map[string]any{"typ": "id_token+jwt"}, nil, "typ"},
		{"typ JWT", map[string]any{"typ": "JWT"}, nil, "typ"},
		{"no typ", map[string]any{"typ": nil}, nil, ""},
		{"another client's token", logout, func(c map[string]any) { c["aud"] = "other-client" }, "aud"},
		{"no iat", logout, func(c map[string]any) { delete(c, "iat") }, "iat claim is missing"},
		{"iat at the edge", logout, func(c map[string]any) { c["iat"] = edge.Unix() }, ""},
		{"iat a second past the edge", logout, func(c map[string]any) { c["iat"] = edge.Add(-time.Second).Unix() }, "older than"},
		{"neither sub nor sid", logout, func(c map[string]any) { delete(c, "sub"); delete(c, "sid") }, "needs sub or sid"},
		{"sid alone", logout, func(c map[string]any) { delete(c, "sub") }, ""},
		{"sub alone", logout, func(c map[string]any) { delete(c, "sid") }, ""},
		{"no jti", logout, func(c map[string]any) { delete(c, "jti") }, "needs jti"},
		{"no events", logout, func(c map[string]any) { delete(c, "events") }, "events does not hold"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			c := logoutClaims(op, nil)
			c["iat"], c["exp"] = now.Unix(), now.Add(2*time.Minute).Unix()
			if r.mod != nil {
				r.mod(c)
			}
			tok, err := v.VerifyLogoutToken(t.Context(), op.Sign(oidctest.Token{Header: r.header, Claims: c}))
			if r.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			mustRefuse(t, tok, err, r.want)
		})
	}
}
