package main

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// Echo wires the app into echo: echo.WrapHandler and echo.WrapMiddleware
// take Gatehouse's shapes as they are; the API handler is an echo handler
// that finds the token in the request's context.
func Echo(a *App) http.Handler {
	e := echo.New()
	e.GET("/login", echo.WrapHandler(http.HandlerFunc(a.Auth.Login)))
	e.GET("/callback", echo.WrapHandler(http.HandlerFunc(a.Auth.Callback)))
	e.POST("/logout", echo.WrapHandler(http.HandlerFunc(a.Auth.Logout)))
	e.GET("/account", echo.WrapHandler(http.HandlerFunc(Account)), echo.WrapMiddleware(a.Auth.Require))
	api := e.Group("/api", echo.WrapMiddleware(a.Bearer))
	api.GET("/me", echoClaims)
	api.GET("/admin", echoClaims, echo.WrapMiddleware(bearer.RequireScope("admin")))
	return e
}

// echoClaims is Claims as an echo handler.
func echoClaims(c echo.Context) error {
	tok, ok := bearer.Token(c.Request().Context())
	if !ok {
		return echo.ErrUnauthorized
	}
	return c.JSONBlob(http.StatusOK, tok.RawClaims())
}
