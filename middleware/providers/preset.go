package providers

import (
	"context"
	"errors"

	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Client is what you register at the provider: the client (application)
// ID and secret, and the redirect (callback) URL.
type Client struct {
	ID, Secret, RedirectURL string // client ID, client secret, redirect (callback) URL
}

// Preset is a provider's ready settings. Change any field before Discover
// to depart from them.
type Preset struct {
	// Name names the provider ("google"); it is Config.Name.
	Name string
	// Provider is how the provider is trusted: its issuer, the issuer
	// spellings or template its tokens use, or its endpoints for plain
	// OAuth 2.0.
	Provider verify.ProviderConfig
	// Config is the middleware configuration without Provider and
	// Sessions, which Discover fills in.
	Config login.Config
	// EndSession, when set, is a logout endpoint the provider documents
	// but does not publish in its metadata (AWS Cognito's): Discover adds
	// it as the end_session_endpoint.
	EndSession string
}

// Discover creates the provider (discovering its metadata unless the
// preset has fixed endpoints) and returns the login.Config for
// login.New, with sessions set. Close the provider when done.
func (p Preset) Discover(ctx context.Context, sessions *session.Manager) (login.Config, *verify.Provider, error) {
	if sessions == nil {
		return login.Config{}, nil, errors.New("providers: sessions is nil")
	}
	prov, err := verify.NewProvider(ctx, p.Provider)
	if err == nil && p.EndSession != "" {
		md := prov.Metadata()
		prov.Close()
		md.EndSessionEndpoint = p.EndSession
		pc := p.Provider
		pc.Metadata = &md
		prov, err = verify.NewProvider(ctx, pc)
	}
	if err != nil {
		return login.Config{}, nil, err
	}
	c := p.Config
	c.Provider, c.Sessions, c.Name = prov, sessions, p.Name
	return c, prov, nil
}

// base is the part of every preset's Config that comes from the Client.
func base(c Client, scopes ...string) login.Config {
	return login.Config{ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: c.RedirectURL, Scopes: scopes}
}
