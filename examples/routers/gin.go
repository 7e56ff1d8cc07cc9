package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

func init() { gin.SetMode(gin.ReleaseMode) } // no route listing on stdout

// Gin wires the app into gin: gin.WrapF takes Gatehouse's handlers, and
// GinMiddleware its middleware; the API handler is a gin handler that finds
// the token in the request's context.
func Gin(a *App) http.Handler {
	r := gin.New()
	r.GET("/login", gin.WrapF(a.Auth.Login))
	r.GET("/callback", gin.WrapF(a.Auth.Callback))
	r.POST("/logout", gin.WrapF(a.Auth.Logout))
	r.GET("/account", GinMiddleware(a.Auth.Require), gin.WrapF(Account))
	api := r.Group("/api", GinMiddleware(a.Bearer))
	api.GET("/me", ginClaims)
	api.GET("/admin", GinMiddleware(bearer.RequireScope("admin")), ginClaims)
	return r
}

// GinMiddleware adapts net/http middleware (Bearer, RequireScope,
// Auth.Require) to gin. A request the middleware lets through goes on down
// the gin chain as the middleware passed it on (its context holds the token
// or the session); one it refuses stops with the answer it wrote. Gatehouse's
// middleware writes to the ResponseWriter it was given, gin's own.
func GinMiddleware(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		passed := false
		mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			passed = true
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
		if !passed {
			c.Abort()
		}
	}
}

// ginClaims is Claims as a gin handler.
func ginClaims(c *gin.Context) {
	tok, ok := bearer.Token(c.Request.Context())
	if !ok {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Data(http.StatusOK, "application/json", tok.RawClaims())
}
