package main

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// GorillaMux wires the app into gorilla/mux: Bearer guards the /api
// subrouter (mux.MiddlewareFunc is Gatehouse's middleware type), and
// RequireScope wraps one handler.
func GorillaMux(a *App) http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/login", a.Auth.Login).Methods(http.MethodGet)
	r.HandleFunc("/callback", a.Auth.Callback).Methods(http.MethodGet)
	r.HandleFunc("/logout", a.Auth.Logout).Methods(http.MethodPost)
	r.Handle("/account", a.Auth.Require(http.HandlerFunc(Account))).Methods(http.MethodGet)
	api := r.PathPrefix("/api").Subrouter()
	api.Use(a.Bearer)
	api.HandleFunc("/me", Claims).Methods(http.MethodGet)
	api.Handle("/admin", bearer.RequireScope("admin")(http.HandlerFunc(Claims))).Methods(http.MethodGet)
	return r
}
