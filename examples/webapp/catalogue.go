package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/providers"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// choice is a "Sign in with …" button of the home page.
type choice struct{ Name, Label string }

// entry is a catalogue preset the chooser offers when its environment
// variables are set: NAME_CLIENT_ID, NAME_CLIENT_SECRET, NAME_REDIRECT_URL
// (default http://ADDR/callback/name) and the preset's own, each read by
// preset; ok false when a required one is missing.
type entry struct {
	name, label string
	preset      func(getenv func(string) string, c providers.Client) (p providers.Preset, ok bool)
}

// catalogue is what the chooser can offer.
var catalogue = []entry{
	{"google", "Google", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.Google(c, g("GOOGLE_HD")), true
	}},
	{"microsoft", "Microsoft", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.Microsoft(c, serve.EnvOr(g, "MICROSOFT_TENANT", "common")), true
	}},
	{"github", "GitHub", func(_ func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.GitHub(c), true
	}},
	{"gitlab", "GitLab", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.GitLab(c, g("GITLAB_URL")), true
	}},
	{"okta", "Okta", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.Okta(c, g("OKTA_DOMAIN"), g("OKTA_AUTH_SERVER")), g("OKTA_DOMAIN") != ""
	}},
	{"auth0", "Auth0", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.Auth0(c, g("AUTH0_DOMAIN"), g("AUTH0_AUDIENCE")), g("AUTH0_DOMAIN") != ""
	}},
	{"keycloak", "Keycloak", func(g func(string) string, c providers.Client) (providers.Preset, bool) {
		return providers.Keycloak(c, g("KEYCLOAK_URL"), g("KEYCLOAK_REALM")), g("KEYCLOAK_URL") != "" && g("KEYCLOAK_REALM") != ""
	}},
}

// mountCatalogue builds an Auth for every configured catalogue entry,
// sharing sessions, on GET /login/{name} and GET /callback/{name}. It
// returns the page's choices and a function closing the providers.
func mountCatalogue(ctx context.Context, mux *http.ServeMux, getenv func(string) string, base string,
	sessions *session.Manager, logger *slog.Logger) ([]choice, func(), error) {
	var choices []choice
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	for _, e := range catalogue {
		env := strings.ToUpper(e.name)
		id := getenv(env + "_CLIENT_ID")
		if id == "" {
			continue
		}
		c := providers.Client{ID: id, Secret: getenv(env + "_CLIENT_SECRET"),
			RedirectURL: serve.EnvOr(getenv, env+"_REDIRECT_URL", base+"/callback/"+e.name)}
		p, ok := e.preset(getenv, c)
		if !ok {
			closeAll()
			return nil, nil, fmt.Errorf("%s_CLIENT_ID is set but the provider's other variables are missing", env)
		}
		cfg, prov, err := p.Discover(ctx, sessions)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("%s: %w", e.label, err)
		}
		closers = append(closers, prov.Close)
		cfg.Logger, cfg.LoginPath = logger, "/login/"+e.name
		if err := providerOptions(getenv, env, &cfg); err != nil {
			closeAll()
			return nil, nil, err
		}
		auth, err := login.New(cfg)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("%s: %w", e.label, err)
		}
		mux.HandleFunc("GET /login/"+e.name, auth.Login)
		mux.HandleFunc("GET /callback/"+e.name, auth.Callback)
		choices = append(choices, choice{Name: e.name, Label: e.label})
	}
	return choices, closeAll, nil
}

// providerOptions applies what a user must choose per provider, from
// PREFIX_AUTH_STYLE (basic or post), PREFIX_FETCH_USERINFO (true),
// PREFIX_AUTH_PARAMS and PREFIX_TOKEN_PARAMS (extra authorization and
// token request parameters, query-encoded: "a=1&b=2"). Unset keeps cfg's.
func providerOptions(getenv func(string) string, prefix string, cfg *login.Config) error {
	switch s := getenv(prefix + "_AUTH_STYLE"); s {
	case "":
	case "basic":
		cfg.AuthStyle = verify.ClientSecretBasic
	case "post":
		cfg.AuthStyle = verify.ClientSecretPost
	default:
		return fmt.Errorf("%s_AUTH_STYLE is %q: use basic or post", prefix, s)
	}
	switch s := getenv(prefix + "_FETCH_USERINFO"); s {
	case "":
	case "true", "1":
		cfg.FetchUserinfo = true
	case "false", "0":
		cfg.FetchUserinfo = false
	default:
		return fmt.Errorf("%s_FETCH_USERINFO is %q: use true or false", prefix, s)
	}
	for _, p := range []struct {
		name string
		dst  *url.Values
	}{{"_AUTH_PARAMS", &cfg.AuthParams}, {"_TOKEN_PARAMS", &cfg.TokenParams}} {
		raw := getenv(prefix + p.name)
		if raw == "" {
			continue
		}
		v, err := url.ParseQuery(raw)
		if err != nil {
			return fmt.Errorf("%s%s: %w", prefix, p.name, err)
		}
		if *p.dst == nil {
			*p.dst = url.Values{}
		}
		for k, vs := range v {
			(*p.dst)[k] = vs
		}
	}
	return nil
}
