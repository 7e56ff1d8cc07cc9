package oidctest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

func TestFormPostResponseMode(t *testing.T) {
	s := newServer(t)
	s.Set(func(b *oidctest.Behavior) { b.AutoLogin = "alice" })
	resp, body := get(t, noRedirects, authURL(s, url.Values{"response_mode": {"form_post"}}))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'sha256-") {
		t.Fatalf("form_post answer: %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{`<form method="post" action="` + redirectURI + `">`, `name="code" value="`, `name="state" value="st"`, `document.forms[0].submit()`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	// Errors go the same way; the default mode stays a redirect.
	_, body = get(t, noRedirects, authURL(s, url.Values{"response_mode": {"form_post"}, "code_challenge": nil}))
	if !strings.Contains(body, `name="error" value="invalid_request"`) {
		t.Errorf("error by form_post:\n%s", body)
	}
	if resp, _ := get(t, noRedirects, authURL(s, nil)); resp.StatusCode != http.StatusFound {
		t.Errorf("default response mode: %d", resp.StatusCode)
	}
}
