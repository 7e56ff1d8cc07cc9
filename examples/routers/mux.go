package main

import (
	"net/http"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// Mux wires the app into net/http's ServeMux: Gatehouse's handlers and
// middleware are net/http shapes, so they plug in as they are.
func Mux(a *App) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", a.Auth.Login)
	mux.HandleFunc("GET /callback", a.Auth.Callback)
	mux.HandleFunc("POST /logout", a.Auth.Logout)
	mux.Handle("GET /account", a.Auth.Require(http.HandlerFunc(Account)))
	mux.Handle("GET /api/me", a.Bearer(http.HandlerFunc(Claims)))
	mux.Handle("GET /api/admin", a.Bearer(bearer.RequireScope("admin")(http.HandlerFunc(Claims))))
	return mux
}
