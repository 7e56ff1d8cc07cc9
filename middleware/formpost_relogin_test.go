package middleware_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// sessionKeys lists the Redis keys holding sessions' values.
func sessionKeys(t *testing.T, rdb *redis.Client) []string {
	t.Helper()
	keys, err := rdb.Keys(t.Context(), "gatehouse:s:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// meWithCookie is /me requested with a copy of a cookie header.
func meWithCookie(a *app, cookie string) int {
	req, _ := http.NewRequest("GET", a.srv.URL+"/me", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A browser signed in through form_post signs in again through form_post:
// the callback's cross-site POST does not carry the SameSite=Lax session
// cookie, but its relay step (a same-site GET) does, so the new login ends
// the previous session as a query-mode login does: its Redis entry is gone,
// and a copy of its cookie no longer works.
func TestFormPostReloginEndsPreviousSession(t *testing.T) {
	sessions, _, rdb := redisSessions(t, redistest.Start(t, "--appendonly", "no").Addr)
	a := newFormPostApp(t, func(c *login.Config) { c.Sessions = sessions })
	b := tlsBrowser(t, a)
	if resp := postCallback(b, a, formPostLogin(t, a, b)); resp.StatusCode != http.StatusFound {
		t.Fatalf("first login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	before, oldID, oldCookie := sessionKeys(t, rdb), sessionID(t, a, b), cookieHeader(a, b)
	if len(before) != 1 {
		t.Fatalf("session keys after the first login: %q, want one", before)
	}
	if resp := postCallback(b, a, formPostLogin(t, a, b)); resp.StatusCode != http.StatusFound {
		t.Fatalf("second login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	after := sessionKeys(t, rdb)
	if len(after) != 1 || after[0] == before[0] {
		t.Errorf("session keys %q after the second login, before %q: want the old one gone and one new", after, before)
	}
	if id := sessionID(t, a, b); id == oldID {
		t.Errorf("the second login kept the session ID %q", id)
	}
	if code := meWithCookie(a, oldCookie); code != http.StatusUnauthorized {
		t.Errorf("a copy of the first session's cookie: /me %d, want 401", code)
	}
	if code, c := b.me(a); code != 200 || c["sub"] != "alice" {
		t.Errorf("the new session: /me %d %v", code, c)
	}
}

// The same with sessions in cookies: the previous session's ID is
// deny-listed, so a copy of its cookie no longer works.
func TestFormPostReloginEndsPreviousCookieSession(t *testing.T) {
	a := newFormPostApp(t)
	b := tlsBrowser(t, a)
	if resp := postCallback(b, a, formPostLogin(t, a, b)); resp.StatusCode != http.StatusFound {
		t.Fatalf("first login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	oldCookie := cookieHeader(a, b)
	if code := meWithCookie(a, oldCookie); code != 200 {
		t.Fatalf("the first session: /me %d", code)
	}
	if resp := postCallback(b, a, formPostLogin(t, a, b)); resp.StatusCode != http.StatusFound {
		t.Fatalf("second login: %d (%v)", resp.StatusCode, a.lastErr())
	}
	if code := meWithCookie(a, oldCookie); code != http.StatusUnauthorized {
		t.Errorf("a copy of the first session's cookie: /me %d, want 401", code)
	}
}
