package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
)

// NewRefresh returns an *http.Client that carries access tokens minted
// from refreshToken, a long-lived refresh token provisioned by an
// administrator, with New's caching, single-flight renewal, back-off after
// failures and 401 retry. c is as for New, but for Scopes and
// EndpointParams, which a refresh does not send (they are refused).
// Renewals are serialised, so a rotating provider never sees a refresh
// token used twice. onRotate is called with the new refresh token when the
// provider rotates it, before the new access token is used: persist it
// there (the old one is dead at providers that rotate). When it returns an
// error the new access token is not used and the request fails; the next
// request renews again and calls onRotate again. Required.
func NewRefresh(c Config, refreshToken string, onRotate func(ctx context.Context, refreshToken string) error) (*http.Client, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	switch {
	case err != nil:
		return nil, err
	case c.ClientID == "" || refreshToken == "":
		return nil, errors.New("outbound: NewRefresh needs Config.ClientID and a refresh token")
	case onRotate == nil:
		return nil, errors.New("outbound: NewRefresh needs onRotate: a rotated refresh token must be persisted")
	case len(c.Scopes) > 0 || len(c.EndpointParams) > 0:
		return nil, errors.New("outbound: NewRefresh sends neither Config.Scopes nor Config.EndpointParams: the refresh token carries its grant")
	case c.DPoPKey != nil:
		return nil, errors.New("outbound: NewRefresh does not DPoP-bind its tokens: leave Config.DPoPKey empty")
	}
	as, err := endpoint.NewAssertion("outbound: NewRefresh: Config", c.AuthStyle, c.ClientKey, c.ClientID, tokenURL)
	if err != nil {
		return nil, err
	}
	oc := &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: endpoint.OAuth2Style(c.AuthStyle)}}
	// The transport already renews single-flight; the lock keeps current
	// and OnRotate serialised even if that ever changes, since a refresh
	// token presented twice revokes the grant at rotating providers.
	var mu sync.Mutex
	current := refreshToken
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
			if err := onRotate(ctx, tok.RefreshToken); err != nil {
				return nil, fmt.Errorf("outbound: persisting the rotated refresh token: %w", err)
			}
		}
		return tok, nil
	}
	t := newTransport(fetch, as.Wrap(endpoint.WithTimeout(c.HTTPClient)), c.Base, c.ExpiryMargin, c.DefaultLifetime)
	t.observeFor(c)
	return &http.Client{Transport: t}, nil
}
