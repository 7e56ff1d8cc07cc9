package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
)

// RefreshConfig configures NewRefresh: an application that holds
// a long-lived refresh token provisioned by an administrator (client ID,
// secret and refresh token) and mints access tokens from it.
type RefreshConfig struct {
	// TokenURL is the provider's token endpoint; or give Provider.
	TokenURL string
	// Provider, when TokenURL is empty, supplies the token endpoint from
	// its discovery document.
	Provider *verify.Provider
	// ClientID and ClientSecret authenticate this client.
	ClientID, ClientSecret string
	// RefreshToken is the current refresh token.
	RefreshToken string
	// OnRotate is called with the new refresh token when the provider
	// rotates it, before the new access token is used: persist it there
	// (the old one is dead at providers that rotate). When it returns an
	// error the new access token is not used and the request fails; the
	// next request renews again and calls OnRotate again. Required.
	OnRotate func(ctx context.Context, refreshToken string) error
	// AuthStyle, ClientKey, ExpiryMargin, DefaultLifetime, HTTPClient and
	// Base are as in Config.
	AuthStyle       verify.AuthStyle
	ClientKey       verify.ClientKey
	ExpiryMargin    time.Duration
	DefaultLifetime time.Duration
	HTTPClient      *http.Client
	Base            http.RoundTripper
}

// NewRefresh returns an *http.Client that carries access tokens minted
// from a refresh token, with New's caching, single-flight renewal,
// back-off after failures and 401 retry. Renewals are serialised, so a rotating provider never sees a
// refresh token used twice.
func NewRefresh(c RefreshConfig) (*http.Client, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	switch {
	case err != nil:
		return nil, err
	case c.ClientID == "" || c.RefreshToken == "":
		return nil, errors.New("outbound: RefreshConfig needs ClientID and RefreshToken")
	case c.OnRotate == nil:
		return nil, errors.New("outbound: RefreshConfig.OnRotate is required: a rotated refresh token must be persisted")
	}
	as, err := endpoint.NewAssertion("outbound: RefreshConfig", c.AuthStyle, c.ClientKey, c.ClientID, tokenURL)
	if err != nil {
		return nil, err
	}
	oc := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: endpoint.OAuth2Style(c.AuthStyle)}}
	// The transport already renews single-flight; the lock keeps current
	// and OnRotate serialised even if that ever changes, since a refresh
	// token presented twice revokes the grant at rotating providers.
	var mu sync.Mutex
	current := c.RefreshToken
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		// A TokenSource per call, on this call's ctx.
		tok, err := oc.TokenSource(ctx, &oauth2.Token{RefreshToken: current}).Token()
		if err != nil {
			return nil, endpoint.Explain(c.AuthStyle, endpoint.Redact(endpoint.ProviderFailure(err), c.ClientSecret))
		}
		if tok.RefreshToken != "" && tok.RefreshToken != current {
			// The old token is dead at the provider now: keep the new one
			// in memory whatever happens, so the next renewal (which calls
			// OnRotate again) does not present a used token.
			current = tok.RefreshToken
			if err := c.OnRotate(ctx, tok.RefreshToken); err != nil {
				return nil, fmt.Errorf("outbound: persisting the rotated refresh token: %w", err)
			}
		}
		return tok, nil
	}
	return &http.Client{Transport: newTransport(fetch, as.Wrap(endpoint.WithTimeout(c.HTTPClient)), c.Base, c.ExpiryMargin, c.DefaultLifetime)}, nil
}
