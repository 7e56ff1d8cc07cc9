package middleware_test

import (
	"context"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Issue 15's three common mistakes, which all used to show "This sign-in
// attempt has expired, was already used, or was started in another
// browser": (a) the redirect URL on localhost while the user browses
// 127.0.0.1, (b) plain http on a host that is not loopback, (c) an http
// redirect URL on a public host. (c) is refused by login.New
// (TestNewRejectsBadConfig, "http to a public host"); (a) and (b) name
// their cause on the page and in the log.

// appAt is newApp served on a port picked first, so that RedirectURL can
// name it, logging to logs.
func appAt(t *testing.T, logs *lockedBuffer, redirect func(port string) string, opts ...appOpt) (*app, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	opts = append(opts, func(c *login.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		if redirect != nil {
			c.RedirectURL = redirect(port)
		}
	})
	a := newApp(t, nil, opts...)
	a.srv.Close()
	srv := httptest.NewUnstartedServer(a.srv.Config.Handler)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	a.srv = srv
	return a, port
}

// Mistake (a): the login starts on 127.0.0.1, the provider sends the
// browser back to the redirect URL on localhost, where the flow cookie of
// 127.0.0.1 never goes. The login logs both hosts as it starts; the
// callback's page and log say no cookie arrived, name the host, and say
// that cookies are per host; starting on localhost signs the user in.
func TestLoginCookieOnOtherHostNamed(t *testing.T) {
	logs := &lockedBuffer{}
	a, port := appAt(t, logs, func(p string) string { return "http://localhost:" + p + "/callback" })
	local, loop := "localhost:"+port, "127.0.0.1:"+port
	b := newBrowser(t)
	resp, _ := b.get("http://"+loop+"/login?return_to=/me", "text/html")
	if !strings.Contains(logs.String(), "login started on "+loop+" but the redirect URL is on "+local) {
		t.Errorf("the login's start does not log both hosts:\n%s", logs)
	}
	resp, body := b.get(callbackURL(t, a, "alice", resp.Header.Get("Location")), "text/html")
	page := html.UnescapeString(body)
	if resp.StatusCode != 400 || !strings.Contains(page, "<code>login_cookie_missing</code>") {
		t.Fatalf("callback on localhost: %d %s", resp.StatusCode, page)
	}
	for _, want := range []string{"no sign-in cookie to " + local, "localhost and 127.0.0.1 are two", "start it from http://" + local + "/"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q: %s", want, page)
		}
	}
	if log := logs.String(); !strings.Contains(log, "code=login_cookie_missing") || !strings.Contains(log, "callback reached on http://"+local) {
		t.Errorf("the callback's log line does not name the cause and the host:\n%s", log)
	}
	if n := a.op.Count("token"); n != 0 {
		t.Errorf("%d token requests", n)
	}
	// A callback reached on another host than the redirect URL's names both.
	_, body = newBrowser(t).get("http://"+loop+"/callback?state=x&code=y", "text/html")
	if page := html.UnescapeString(body); !strings.Contains(page, "the sign-in should come back to "+local+" (the redirect URL), not "+loop) {
		t.Errorf("callback on 127.0.0.1: %s", page)
	}
	// What the page says to do works.
	b = newBrowser(t)
	resp, _ = b.get("http://"+local+"/login?return_to=/me", "text/html")
	if resp, _ = b.get(callbackURL(t, a, "alice", resp.Header.Get("Location")), "text/html"); resp.StatusCode != 302 || resp.Header.Get("Location") != "/me" {
		t.Errorf("a login started on localhost: %d %q (%v)", resp.StatusCode, resp.Header.Get("Location"), a.lastErr())
	}
}

// Mistake (b): the site is reached over plain http on a host that is not
// loopback (app.test here, dialled to the test server), so the browser
// (Go's cookie jar, as browsers do) keeps the Secure flow cookie from the
// callback. The start of the login and the callback's page say so.
func TestLoginCookieSecureOnPlainHTTPNamed(t *testing.T) {
	logs := &lockedBuffer{}
	a, port := appAt(t, logs, nil)
	b := newBrowser(t)
	b.c.Transport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, a.srv.Listener.Addr().String())
	}}
	host := "app.test:" + port
	a.op.AddClient(oidctest.Client{ID: a.op.ClientID, Secret: a.op.ClientSecret, RedirectURIs: []string{"http://" + host + "/callback"}})
	resp, _ := b.get("http://"+host+"/login", "text/html")
	if !strings.Contains(logs.String(), "login started over plain http on "+host+", not a loopback address") {
		t.Errorf("the login's start does not warn of plain http:\n%s", logs)
	}
	cb := callbackURL(t, a, "alice", resp.Header.Get("Location"))
	if u, _ := url.Parse(cb); u.Host != host {
		t.Fatalf("callback on %s, want %s", u.Host, host)
	}
	resp, body := b.get(cb, "text/html")
	page := html.UnescapeString(body)
	if resp.StatusCode != 400 || !strings.Contains(page, "<code>login_cookie_missing</code>") ||
		!strings.Contains(page, "plain http on "+host+", which is not a loopback address: browsers drop the sign-in cookie there because it is Secure") {
		t.Errorf("callback over plain http: %d %s", resp.StatusCode, page)
	}
}

// A TLS-terminating proxy in front (X-Forwarded-Proto: https) is no
// mistake: no plain-http warning, even without TrustForwardedHeaders.
func TestLoginBehindTLSProxyNoWarning(t *testing.T) {
	logs := &lockedBuffer{}
	a, _ := appAt(t, logs, func(string) string { return "https://app.example/callback" })
	req := httptest.NewRequest("GET", "http://app.example/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	a.srv.Config.Handler.ServeHTTP(httptest.NewRecorder(), req)
	if strings.Contains(logs.String(), "WARN") {
		t.Errorf("a warning behind a TLS proxy:\n%s", logs)
	}
	req = httptest.NewRequest("GET", "http://app.example/login", nil)
	a.srv.Config.Handler.ServeHTTP(httptest.NewRecorder(), req)
	if !strings.Contains(logs.String(), "plain http on app.example") {
		t.Errorf("no warning without the proxy's header:\n%s", logs)
	}
}

// A flow cookie arrived, but not this state's (a login finished already,
// with another one pending): its own code and message, not the cookie one.
func TestCallbackStaleStateToldApart(t *testing.T) {
	logs := &lockedBuffer{}
	a, _ := appAt(t, logs, nil)
	b := newBrowser(t)
	auth1 := b.startLogin(a, "/one")
	b.startLogin(a, "/two") // still pending
	cb := callbackURL(t, a, "alice", auth1)
	stale := setParam(t, cb, "state", "A"+mustQuery(t, cb).Get("state")[1:])
	resp, body := b.get(stale, "text/html")
	if resp.StatusCode != 400 || !strings.Contains(body, "<code>invalid_state</code>") || !strings.Contains(body, "expired (after 10 minutes), was already used") {
		t.Errorf("stale state: %d %s", resp.StatusCode, body)
	}
	if log := logs.String(); !strings.Contains(log, "code=invalid_state") || !strings.Contains(log, "flow cookies arrived, none for this state") {
		t.Errorf("log:\n%s", log)
	}
}
