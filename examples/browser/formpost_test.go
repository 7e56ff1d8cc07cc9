package browser_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Sign-in with response_mode=form_post in a real browser: the provider's
// page (http://127.0.0.1) posts code and state to the app's callback
// (https://localhost), another site, so the POST is cross-site and only a
// SameSite=None flow cookie comes with it. The app runs Gatehouse with
// Config.FormPost over TLS (httptest's certificate, accepted by the
// browser's --ignore-certificate-errors).
func TestFormPostInChromium(t *testing.T) {
	exe := chromium(t)
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	keys, err := session.DeriveKeys([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	store, err := session.NewCookieStore(keys...)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var seen []string   // method and Sec-Fetch-Site of each callback request
	var meCookie string // the Cookie header of the last /me request
	mux := http.NewServeMux()
	app := httptest.NewUnstartedServer(mux)
	app.StartTLS()
	defer app.Close()
	base := strings.Replace(app.URL, "127.0.0.1", "localhost", 1)
	errs := make(chan error, 10)
	auth, err := login.New(login.Config{
		Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		RedirectURL: base + "/callback", Sessions: sessions, FormPost: true,
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, err error) {
			errs <- err
			login.WriteAuthError(w, r, err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /login", auth.Login)
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Header.Get("Sec-Fetch-Site"))
		mu.Unlock()
		auth.Callback(w, r)
	})
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		meCookie = r.Header.Get("Cookie")
		mu.Unlock()
		s, _ := login.Session(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><pre id="me">` + html.EscapeString(string(s.Claims)) + `</pre>`))
	})))

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 700),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first action starts the browser and must not carry a timeout.
	if err := chromedp.Do(browser, chromedp.Navigate(base+"/login?return_to=/me")); err != nil {
		t.Fatalf("opening %s/login: %v", base, err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	signIn := func(what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible("#username"), chromedp.SendKeys("#username", "ada"),
			chromedp.Submit("#username"), chromedp.WaitVisible("#me")); err != nil {
			select {
			case e := <-errs:
				t.Fatalf("%s: %v (the app refused: %v)", what, err, e)
			default:
				t.Fatalf("%s: %v", what, err)
			}
		}
		me, err := chromedp.Run(ctx, chromedp.Text("#me"))
		if err != nil || !strings.Contains(me, `"sub":"ada"`) {
			t.Errorf("/me after %s: %q %v", what, me, err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if loc != base+"/me" {
			t.Errorf("after %s the browser is at %s", what, loc)
		}
	}
	signIn("signing in")
	mu.Lock()
	first := meCookie
	mu.Unlock()
	if _, err := sessions.Load(withCookie(first)); err != nil {
		t.Fatalf("the first session: %v", err)
	}

	// Signing in again, also through form_post, ends the first session:
	// the cross-site POST cannot bring the SameSite=Lax session cookie,
	// the GET it is redirected to does.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to=/me")); err != nil {
		t.Fatalf("opening %s/login again: %v", base, err)
	}
	signIn("signing in again")
	if _, err := sessions.Load(withCookie(first)); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("the first session after signing in again: %v, want session.ErrNoSession", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"POST cross-site", "GET cross-site", "POST cross-site", "GET cross-site"}
	if !slices.Equal(seen, want) {
		t.Errorf("callback requests %q, want %q: each a cross-site POST, then its relay step", seen, want)
	}
}

// withCookie is a request carrying a Cookie header.
func withCookie(cookie string) *http.Request {
	r := httptest.NewRequest("GET", "https://localhost/me", nil)
	r.Header.Set("Cookie", cookie)
	return r
}
