package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func withMaxAge(d time.Duration) appOpt { return func(c *login.Config) { c.MaxAge = d } }

func TestMaxAgeSentAndChecked(t *testing.T) {
	a := newApp(t, nil, withMaxAge(10*time.Minute))
	b := newBrowser(t)
	authURL := b.startLogin(a, "/me")
	if got := mustQuery(t, authURL).Get("max_age"); got != "600" {
		t.Errorf("max_age %q, want 600", got)
	}
	if resp, _ := b.get(callbackURL(t, a, "alice", authURL), "text/html"); resp.StatusCode != http.StatusFound {
		t.Fatalf("fresh authentication: %d (%v)", resp.StatusCode, a.lastErr())
	}
	// Without MaxAge nothing is sent and auth_time is not required.
	a = newApp(t, nil)
	a.op.Set(func(bh *oidctest.Behavior) { bh.IDTokenClaims = map[string]any{"auth_time": nil} })
	b = newBrowser(t)
	authURL = b.startLogin(a, "/me")
	if mustQuery(t, authURL).Has("max_age") {
		t.Errorf("max_age sent without MaxAge: %s", authURL)
	}
	if resp, _ := b.get(callbackURL(t, a, "alice", authURL), "text/html"); resp.StatusCode != http.StatusFound {
		t.Errorf("no MaxAge, no auth_time: %d (%v)", resp.StatusCode, a.lastErr())
	}
}

// authTimeRow logs in with auth_time set to at (nil: absent) and wants
// status.
func authTimeRow(t *testing.T, a *app, at any, status int) {
	t.Helper()
	a.op.Set(func(bh *oidctest.Behavior) { bh.IDTokenClaims = map[string]any{"auth_time": at} })
	b := newBrowser(t)
	resp := b.login(a, "alice")
	err := a.lastErr()
	if resp.StatusCode != status {
		t.Errorf("auth_time %v: callback %d (%v), want %d", at, resp.StatusCode, err, status)
	}
	var ae *login.AuthError
	if status != http.StatusFound && (!errors.As(err, &ae) || ae.Code != "invalid_id_token" || !errors.Is(err, verify.ErrInvalid)) {
		t.Errorf("auth_time %v: error %v, want invalid_id_token", at, err)
	}
}

// A provider that ignores max_age (or an old login replayed) hands back an
// authentication older than the application allows.
func TestAttackMaxAgeAuthTimeTooOld(t *testing.T) {
	a := newApp(t, nil, withMaxAge(10*time.Minute))
	now := a.clock.Now()
	authTimeRow(t, a, now.Add(-2*time.Hour).Unix(), http.StatusBadGateway)
	authTimeRow(t, a, now.Add(-12*time.Minute).Unix(), http.StatusBadGateway) // past max_age and the minute of leeway
	authTimeRow(t, a, now.Add(-10*time.Minute-30*time.Second).Unix(), http.StatusFound)
}

func TestAttackMaxAgeAuthTimeMissing(t *testing.T) {
	a := newApp(t, nil, withMaxAge(10*time.Minute))
	authTimeRow(t, a, nil, http.StatusBadGateway)
}

func TestAttackMaxAgeAuthTimeInFuture(t *testing.T) {
	a := newApp(t, nil, withMaxAge(10*time.Minute))
	authTimeRow(t, a, a.clock.Now().Add(time.Hour).Unix(), http.StatusBadGateway)
}

func TestNewRefusesBadMaxAge(t *testing.T) {
	_, p := discovered(t)
	for name, mod := range map[string]func(*login.Config){
		"negative":           func(c *login.Config) { c.MaxAge = -time.Second },
		"fractional":         func(c *login.Config) { c.MaxAge = 1500 * time.Millisecond },
		"without openid":     func(c *login.Config) { c.MaxAge = time.Minute; c.Scopes = []string{"profile"} },
		"max_age AuthParams": func(c *login.Config) { c.AuthParams = map[string][]string{"max_age": {"60"}} },
	} {
		c := login.Config{Provider: p, ClientID: "c", RedirectURL: "/callback", Sessions: testManager(t)}
		mod(&c)
		if _, err := login.New(c); err == nil || !strings.Contains(err.Error(), "max_age") && !strings.Contains(err.Error(), "MaxAge") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// discovered starts an oidctest provider and discovers it, both closed
// when the test ends.
func discovered(t *testing.T) (*oidctest.Server, *verify.Provider) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return op, p
}

// testManager is a cookie-store session Manager for configuration tests.
func testManager(t *testing.T) *session.Manager {
	t.Helper()
	store, err := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
