package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRequire is a signed-in request through Require with the cookie
// store: the session is loaded, nothing changed, nothing is saved.
func BenchmarkRequire(b *testing.B) {
	benchRequire(b, newApp(b, nil))
}

// benchRequire signs a browser in to a, then measures one unchanged
// signed-in request through a.auth.Require, failing if it sets a cookie.
func benchRequire(b *testing.B, a *app) {
	br := newBrowser(b)
	br.login(a, "alice")
	cookie := cookieHeader(a, br)
	h := a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.ReportAllocs()
	for b.Loop() {
		w := getWithCookie(h, cookie)
		if w.Code != 200 || len(w.Result().Cookies()) != 0 {
			b.Fatalf("status %d, %d cookies set", w.Code, len(w.Result().Cookies()))
		}
	}
}

// getWithCookie serves GET /me with the Cookie header cookie through h.
func getWithCookie(h http.Handler, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "http://127.0.0.1/me", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
