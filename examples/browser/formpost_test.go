package browser_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
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
	var seen []string // method and Sec-Fetch-Site of each callback request
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
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#username"), chromedp.SendKeys("#username", "ada"),
		chromedp.Submit("#username"), chromedp.WaitVisible("#me")); err != nil {
		select {
		case e := <-errs:
			t.Fatalf("signing in: %v (the app refused: %v)", err, e)
		default:
			t.Fatalf("signing in: %v", err)
		}
	}
	me, err := chromedp.Run(ctx, chromedp.Text("#me"))
	if err != nil || !strings.Contains(me, `"sub":"ada"`) {
		t.Errorf("/me after login: %q %v", me, err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if loc != base+"/me" {
		t.Errorf("after login the browser is at %s", loc)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "POST cross-site" {
		t.Errorf("callback requests %q, want one cross-site POST", seen)
	}
}
