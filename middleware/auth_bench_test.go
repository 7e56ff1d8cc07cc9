package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkRequire is a signed-in request through Require with the cookie
// store: the session is loaded, nothing changed, nothing is saved.
func BenchmarkRequire(b *testing.B) {
	a := newApp(b, nil)
	br := newBrowser(b)
	br.login(a, "alice")
	u, _ := url.Parse(a.srv.URL)
	var cookie string
	for _, c := range br.jar.Cookies(u) {
		cookie += c.Name + "=" + c.Value + "; "
	}
	h := a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "http://127.0.0.1/me", nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || len(w.Result().Cookies()) != 0 {
			b.Fatalf("status %d, %d cookies set", w.Code, len(w.Result().Cookies()))
		}
	}
}
