package session_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/session"
)

// Save a session at login and load it on a later request.
func ExampleManager() {
	// One secret of 32 random bytes or more (openssl rand -hex 32).
	keys, err := session.DeriveKeys([]byte("an example secret, use 32 random bytes"))
	if err != nil {
		panic(err)
	}
	store, err := session.NewCookieStore(keys...)
	if err != nil {
		panic(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		panic(err)
	}

	w := httptest.NewRecorder()
	err = sessions.Login(w, httptest.NewRequest("GET", "http://127.0.0.1/callback", nil),
		&session.Session{Issuer: "https://op.example", Subject: "alice"})
	fmt.Println("login:", err)

	next := httptest.NewRequest("GET", "http://127.0.0.1/me", nil)
	for _, c := range w.Result().Cookies() {
		next.AddCookie(c)
	}
	s, err := sessions.Load(next)
	fmt.Println(s.Subject, err)
	// Output:
	// login: <nil>
	// alice <nil>
}

// A login flow: saved at the redirect to the provider, taken once at the
// callback. What it holds is the login's own (here its return address).
func ExampleManager_TakeFlow() {
	store, _ := session.NewCookieStore(
		[]byte("0123456789abcdef0123456789abcdef"),
		[]byte("fedcba9876543210fedcba9876543210"),
	)
	sessions, _ := session.New(session.Config{Store: store})

	// GET /login: a flow of its own, then a redirect carrying its state.
	w := httptest.NewRecorder()
	state, err := sessions.SaveFlow(w, httptest.NewRequest("GET", "http://127.0.0.1/login", nil), []byte("/account"), false)
	fmt.Println("state:", len(state), "characters", err)

	// GET /callback?state=…: the flow comes back once.
	callback := httptest.NewRequest("GET", "http://127.0.0.1/callback?state="+state, nil)
	for _, c := range w.Result().Cookies() {
		callback.AddCookie(c)
	}
	data, err := sessions.TakeFlow(httptest.NewRecorder(), callback, callback.URL.Query().Get("state"))
	fmt.Println(string(data), err)
	// Output:
	// state: 43 characters <nil>
	// /account <nil>
}
