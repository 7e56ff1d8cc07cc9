package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// FuzzCallbackQuery sends arbitrary callback queries, with a genuine pending
// flow's cookie and state, to Callback: never a panic, never a 500, and a
// session only from a code the provider really issued for that flow.
func FuzzCallbackQuery(f *testing.F) {
	a := newApp(f, nil)
	f.Add("code=abc")
	f.Add("error=access_denied&error_description=x")
	f.Add("code=abc&iss=https%3A%2F%2Fevil.example")
	f.Add("access_token=x")
	f.Add("state=other&code=abc")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, query string) {
		w := httptest.NewRecorder()
		a.auth.Login(w, httptest.NewRequest("GET", a.srv.URL+"/login", nil))
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", a.srv.URL+"/callback", nil)
		r.URL.RawQuery = query + "&state=" + url.QueryEscape(loc.Query().Get("state"))
		if strings.Contains(query, "state=") {
			r.URL.RawQuery = query
		}
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		w2 := httptest.NewRecorder()
		a.auth.Callback(w2, r)
		switch w2.Code {
		case http.StatusFound:
			t.Fatalf("a login succeeded from the query %q", query)
		case 400, 403, 502, 504:
		default:
			t.Fatalf("status %d for %q", w2.Code, query)
		}
	})
}

// FuzzTokenResponse has the provider's token endpoint answer arbitrary
// bodies: the callback never panics, never answers 500, never echoes the
// body, and logs in only with a genuine ID token (none is in these bodies).
func FuzzTokenResponse(f *testing.F) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newApp(f, op)
	var body atomic.Pointer[string]
	f.Add(`{"access_token":"x","token_type":"Bearer","expires_in":"3600"}`, "application/json")
	f.Add(`access_token=x&token_type=bearer`, "application/x-www-form-urlencoded")
	f.Add(`{"access_token":"x","token_type":"Bearer","id_token":"a.b.c"}`, "application/json")
	f.Add(`{"error":"invalid_grant"}`, "application/json")
	f.Add(`<html>`, "text/html")
	f.Fuzz(func(t *testing.T, b, ct string) {
		if b == "" {
			return // an empty TokenBody means a normal answer
		}
		body.Store(&b)
		op.Set(func(bh *oidctest.Behavior) { bh.TokenBody, bh.TokenContentType = b, ct })
		br := newBrowser(t)
		resp, page := br.get(callbackURL(t, a, "alice", br.startLogin(a, "")), "text/html")
		switch resp.StatusCode {
		case 502, 504:
		default:
			t.Fatalf("status %d for %q (%s)", resp.StatusCode, b, ct)
		}
		if len(b) > 8 && strings.Contains(page, b) {
			t.Fatalf("the page echoes the token response")
		}
	})
}
