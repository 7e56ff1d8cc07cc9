package session_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/session"
)

// Save a session at login and load it on a later request.
func ExampleManager() {
	store, err := session.NewCookieStore(
		[]byte("0123456789abcdef0123456789abcdef"), // hash key (use 32 random bytes)
		[]byte("fedcba9876543210fedcba9876543210"), // encryption key (AES-256)
	)
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
