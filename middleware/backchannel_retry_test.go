package middleware_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// A back-channel logout that arrives while the session store (a real
// redis-server) is stopped answers 503; the provider's retry of the same
// logout token, once Redis is back, is not taken for a jti replay: it
// answers 200 and alice's sessions end, on both replicas, while bob's live
// on. A copy sent after that success is refused as a replay.
func TestBackchannelRetryAfterStoreFailureEndsSessions(t *testing.T) {
	srv := redistest.Start(t)
	op := oidctest.NewServer()
	defer op.Close()
	rs := newReplicas(t, op, srv.Addr)
	a, one := rs.as(), rs.apps[0] // logout tokens go to one replica, whose jti cache is tested
	alice1, alice2, bob := newBrowser(t), newBrowser(t), newBrowser(t)
	alice1.login(a, "alice")
	alice2.login(a, "alice")
	bob.login(a, "bob")
	hdr := map[string]any{"typ": "logout+jwt"}
	bySID := op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) {
		delete(c, "sub")
		c["sid"] = sessionOf(t, a, alice1).SID
		c["jti"] = "by-sid"
	})})
	bySub := op.Sign(oidctest.Token{Header: hdr, Claims: logoutClaims(op, func(c map[string]any) { c["jti"] = "by-sub" })})

	for _, step := range []struct {
		name, token string
		ended       *browser
	}{{"by sid", bySID, alice1}, {"by sub", bySub, alice2}} {
		srv.Stop()
		if code, body := postLogout(t, one, step.token); code != 503 {
			t.Fatalf("logout %s with Redis stopped: %d %s, want 503", step.name, code, body)
		}
		srv.Restart()
		if code, body := postLogout(t, one, step.token); code != 200 {
			t.Fatalf("the provider's retry of the logout %s after the 503: %d %s, want 200", step.name, code, body)
		}
		for range 2 { // both replicas
			if code, _ := step.ended.me(a); code != 401 {
				t.Errorf("after the retried logout %s: the ended session answers %d, want 401", step.name, code)
			}
			if code, _ := bob.me(a); code != 200 {
				t.Errorf("after the retried logout %s: bob %d, want 200", step.name, code)
			}
		}
		if code, body := postLogout(t, one, step.token); code != 400 {
			t.Errorf("the logout %s replayed after its success: %d %s, want 400", step.name, code, body)
		}
	}
}
