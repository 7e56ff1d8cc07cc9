package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// Chi wires the app into chi: its middleware type is Gatehouse's, so Bearer
// guards a route group with Use and RequireScope one route with With.
func Chi(a *App) http.Handler {
	r := chi.NewRouter()
	r.Get("/login", a.Auth.Login)
	r.Get("/callback", a.Auth.Callback)
	r.Post("/logout", a.Auth.Logout)
	r.With(a.Auth.Require).Get("/account", Account)
	r.Route("/api", func(r chi.Router) {
		r.Use(a.Bearer)
		r.Get("/me", Claims)
		r.With(bearer.RequireScope("admin")).Get("/admin", Claims)
	})
	return r
}
