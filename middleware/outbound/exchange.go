package outbound

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
)

// ExchangeConfig configures NewExchange: an API calling another API
// on behalf of its own caller, with a token exchanged for the caller's
// (RFC 8693 token exchange).
type ExchangeConfig struct {
	// TokenURL is the provider's token endpoint (https, or http on
	// loopback). Set it or Provider.
	TokenURL string
	// Provider, when TokenURL is empty, gives the token endpoint.
	Provider *verify.Provider

	// ClientID and ClientSecret authenticate this API at the provider;
	// no secret is needed with verify.PrivateKeyJWT.
	ClientID, ClientSecret string
	// AuthStyle is how the client authenticates. Default
	// verify.ClientSecretBasic.
	AuthStyle verify.AuthStyle
	// ClientKey signs the client assertions when AuthStyle is
	// verify.PrivateKeyJWT.
	ClientKey verify.ClientKey

	// Audience ("audience") and Resource (RFC 8707 "resource") name the
	// downstream API the new token is for. At least one is required.
	Audience, Resource string
	// Scopes requested for the downstream call; default those of the
	// caller's token, as the provider decides.
	Scopes []string

	// CacheSize bounds how many callers' exchanged tokens are kept. Zero
	// means 1024.
	CacheSize int

	// HTTPClient makes the token requests (default: 10 s timeout). Base
	// carries the downstream requests (default http.DefaultTransport).
	HTTPClient *http.Client
	Base       http.RoundTripper
}

// Token exchange identifiers (RFC 8693 §3).
const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType    = "urn:ietf:params:oauth:token-type:access_token"
)

// NewExchange returns a client for calls to one downstream API on
// behalf of the caller of this API. Each request's context must be (or
// derive from) that of a request Bearer accepted: its token is exchanged
// for one restricted to the downstream API (subject_token_type
// access_token), sent as a bearer token. Exchanged tokens are cached per
// caller's token (the audience is the client's) until shortly before they
// expire, and renewed once however many requests need them; the cache holds
// CacheSize callers: when full, the caller seen least recently goes (one
// whose own token expired is not seen again, so it goes first). A request whose context holds no verified
// token fails with ErrNoToken, before any network call. Token-endpoint
// failures match verify.ErrProvider, as New's do, with the client secret and
// the caller's token redacted.
func NewExchange(c ExchangeConfig) (*http.Client, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	if err != nil {
		return nil, err
	}
	switch {
	case c.ClientID == "" || (c.ClientSecret == "" && c.AuthStyle != verify.PrivateKeyJWT):
		return nil, errors.New("outbound: ExchangeConfig needs ClientID and ClientSecret (or AuthStyle PrivateKeyJWT)")
	case c.Audience == "" && c.Resource == "":
		return nil, errors.New("outbound: ExchangeConfig needs Audience or Resource: the downstream API")
	}
	as, err := endpoint.NewAssertion("outbound: ExchangeConfig", c.AuthStyle, c.ClientKey, c.ClientID, tokenURL)
	if err != nil {
		return nil, err
	}
	size := c.CacheSize
	if size <= 0 {
		size = 1024
	}
	params := url.Values{"grant_type": {tokenExchangeGrant}, "subject_token_type": {accessTokenType},
		"requested_token_type": {accessTokenType}}
	if c.Audience != "" {
		params.Set("audience", c.Audience)
	}
	if c.Resource != "" {
		params.Set("resource", c.Resource)
	}
	callers, _ := simplelru.NewLRU[[sha256.Size]byte, *Transport](size, nil)
	return &http.Client{Transport: &exchanger{c: c, tokenURL: tokenURL, tokens: as.Wrap(endpoint.WithTimeout(c.HTTPClient)), params: params, callers: callers}}, nil
}

// exchanger is NewExchange's RoundTripper: one Transport per
// caller's token.
type exchanger struct {
	c        ExchangeConfig
	tokenURL string
	tokens   *http.Client // the token requests' client (HTTPClient, with client assertions)
	params   url.Values

	mu      sync.Mutex
	callers *simplelru.LRU[[sha256.Size]byte, *Transport] // by hash of the caller's token
}

func (e *exchanger) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, ok := bearer.Token(req.Context())
	if !ok {
		closeBody(req)
		return nil, bearer.ErrNoToken
	}
	return e.transport(tok).RoundTrip(req)
}

// transport returns the Transport for the caller's token.
func (e *exchanger) transport(tok *verify.Token) *Transport {
	key := sha256.Sum256([]byte(tok.Raw))
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.callers.Get(key); ok {
		return t
	}
	t := newTransport(e.fetcher(tok.Raw), e.tokens, e.c.Base, 0, 0)
	e.callers.Add(key, t)
	return t
}

// fetcher exchanges subject for a downstream token.
func (e *exchanger) fetcher(subject string) func(context.Context) (*oauth2.Token, error) {
	params := url.Values{"subject_token": {subject}}
	for k, v := range e.params {
		params[k] = v
	}
	cc := &clientcredentials.Config{ClientID: e.c.ClientID, ClientSecret: e.c.ClientSecret, TokenURL: e.tokenURL,
		Scopes: e.c.Scopes, EndpointParams: params, AuthStyle: endpoint.OAuth2Style(e.c.AuthStyle)}
	return func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := cc.Token(ctx)
		if err != nil {
			return nil, endpoint.Explain(e.c.AuthStyle, endpoint.Redact(endpoint.ProviderFailure(err), e.c.ClientSecret, subject))
		}
		return tok, nil
	}
}
