package oidctest

import (
	"html/template"
	"net/http"
	"net/url"
)

// renderLogin writes the login form for a checked authorization request.
// The request's parameters travel in hidden fields; html/template escapes
// every value.
func renderLogin(w http.ResponseWriter, ar *authRequest) {
	params := url.Values{}
	for k, vs := range ar.q {
		if k != "username" && k != "deny" {
			params[k] = vs
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// No form-action: browsers apply it to the redirect after the submit,
	// which goes to the client, another origin.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	_ = loginPage.Execute(w, struct {
		Params url.Values
		Client string
	}{params, ar.client.ID})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — oidctest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;color:#222}
main{max-width:22rem;margin:5rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}
label{display:block;margin:1rem 0 .3rem}
input[type=text]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;width:100%;padding:.6rem;font:inherit;border:0;border-radius:4px;cursor:pointer}
#login{background:#246;color:#fff}
#deny{background:none;color:#555;text-decoration:underline}
p.note{color:#666;font-size:.85rem}
</style></head>
<body><main>
<h1>Sign in to the test provider</h1>
<p class="note">oidctest, for tests and demos: any username signs in. Client <code>{{.Client}}</code>.</p>
<form method="post" action="/authorize">
{{- range $k, $vs := .Params}}{{range $vs}}
<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autofocus required>
<button id="login" type="submit">Sign in</button>
<button id="deny" type="submit" name="deny" value="1" formnovalidate>Cancel</button>
</form>
</main></body></html>
`))
