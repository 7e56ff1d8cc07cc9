package login_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The whole wiring of browser login: discover the provider, keep sessions
// in encrypted cookies, mount Login, Callback and Logout, and protect a page
// with Require.
func ExampleAuth_Require() {
	op := oidctest.NewServer() // stands in for https://accounts.example.com
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AutoLogin = "alice" }) // no form in this example

	provider, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		panic(err)
	}
	defer provider.Close()
	store, err := session.NewCookieStore(
		[]byte("0123456789abcdef0123456789abcdef"), // hash key: 32 random bytes in real life
		[]byte("fedcba9876543210fedcba9876543210"), // AES-256 key
	)
	if err != nil {
		panic(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		panic(err)
	}
	auth, err := login.New(login.Config{
		Provider:     provider,
		ClientID:     op.ClientID,
		ClientSecret: op.ClientSecret,
		RedirectURL:  "/callback", // completed from the request; or a full URL
		Sessions:     sessions,
	})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", auth.Login)
	mux.HandleFunc("GET /callback", auth.Callback)
	mux.HandleFunc("POST /logout", auth.Logout)
	mux.Handle("GET /dashboard", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := login.Session(r.Context())
		fmt.Fprintf(w, "welcome %s", s.Subject)
	})))
	app := httptest.NewServer(mux)
	defer app.Close()

	// A browser opening /dashboard is sent through the login and back.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	req, _ := http.NewRequest("GET", app.URL+"/dashboard", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := browser.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Request.URL.Path, string(body))
	// Output: 200 /dashboard welcome alice
}
