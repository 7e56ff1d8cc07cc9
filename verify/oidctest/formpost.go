package oidctest

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
)

// formPostScript submits the form-post page; its hash is the page's only
// allowed script.
const formPostScript = `document.forms[0].submit()`

var formPostCSP = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// answer sends the browser back to the client with the response parameters
// in to's query: a redirect, or with response_mode=form_post a page that
// posts them to the redirect URI (OAuth 2.0 Form Post Response Mode §2).
func answer(w http.ResponseWriter, r *http.Request, responseMode string, to *url.URL) {
	if responseMode != "form_post" {
		http.Redirect(w, r, to.String(), http.StatusFound)
		return
	}
	params := to.Query()
	action := *to
	action.RawQuery = ""
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", formPostCSP)
	_ = formPostPage.Execute(w, struct {
		Action string
		Params url.Values
		Script template.JS
	}{action.String(), params, template.JS(formPostScript)})
}

var formPostPage = template.Must(template.New("formpost").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in — oidctest</title></head>
<body><form method="post" action="{{.Action}}">
{{- range $k, $vs := .Params}}{{range $vs}}
<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<noscript><button type="submit">Continue</button></noscript>
</form><script>{{.Script}}</script></body></html>
`))
