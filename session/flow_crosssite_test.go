package session_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A crossSite flow's cookie is SameSite=None and Secure, so a form_post
// callback (a cross-site POST) carries it; it is still one flow, taken once.
func TestFlowCookieCrossSite(t *testing.T) {
	m, _ := newManager(t)
	data := flowData("/", "op")
	w := httptest.NewRecorder()
	state, err := m.SaveFlow(w, httptest.NewRequest("GET", "https://app.example/login", nil), data, true)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()[0]
	if c.SameSite != http.SameSiteNoneMode || !c.Secure || !c.HttpOnly {
		t.Errorf("cross-site flow cookie %s", w.Header().Get("Set-Cookie"))
	}
	r := httptest.NewRequest("POST", "https://app.example/callback", nil)
	r.AddCookie(c)
	if got, err := m.TakeFlow(httptest.NewRecorder(), r, state); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("TakeFlow: %v %s", err, got)
	}
	if _, err := m.TakeFlow(httptest.NewRecorder(), r, "another state"); err == nil {
		t.Error("a cross-site flow taken with another state")
	}
}
