// Package providers is a catalogue of ready settings for well-known
// identity providers: each preset turns a client ID, secret and redirect
// URL into what login.New needs, with the provider's quirks handled
// and named in its doc comment.
//
//	p := providers.Google(providers.Client{ID: id, Secret: secret, RedirectURL: "https://app.example/callback"}, "example.com")
//	cfg, provider, err := p.Discover(ctx, sessions)
//	// handle err; defer provider.Close()
//	auth, err := login.New(cfg)
//
// Adding a provider is a function returning a Preset: the issuer (or, for
// plain OAuth 2.0, the endpoints) and the login.Config fields the
// provider needs. Every preset was built from the provider's public
// documentation and is tested against verify/oidctest answering the way
// that documentation says; none was run against the real provider.
package providers
