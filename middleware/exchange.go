package middleware

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-go/gatehouse/verify"
)

// ExchangeConfig configures NewExchangeClient: an API calling another API
// on behalf of its own caller, with a token exchanged for the caller's
// (RFC 8693 token exchange).
type ExchangeConfig struct {
	// TokenURL is the provider's token endpoint (https, or http on
	// loopback). Set it or Provider.
	TokenURL string
	// Provider, when TokenURL is empty, gives the token endpoint.
	Provider *verify.Provider

	// ClientID and ClientSecret authenticate this API at the provider.
	ClientID, ClientSecret string
	// AuthStyle is how the secret is sent. Default ClientSecretBasic.
	AuthStyle AuthStyle

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

// NewExchangeClient returns a client for calls to one downstream API on
// behalf of the caller of this API. Each request's context must be (or
// derive from) that of a request Bearer accepted: its token is exchanged
// for one restricted to the downstream API (subject_token_type
// access_token), sent as a bearer token. Exchanged tokens are cached per
// caller's token (the audience is the client's) until shortly before they
// expire, and renewed once however many requests need them; the cache holds
// CacheSize callers: when full, those whose own token expired go, or else
// the one whose token expires first. A request whose context holds no verified
// token fails with ErrNoToken, before any network call. Token-endpoint
// failures match ErrProvider, as NewClient's do, with the client secret and
// the caller's token redacted.
func NewExchangeClient(c ExchangeConfig) (*http.Client, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	if err != nil {
		return nil, err
	}
	switch {
	case c.ClientID == "" || c.ClientSecret == "":
		return nil, errors.New("middleware: ExchangeConfig needs ClientID and ClientSecret")
	case c.Audience == "" && c.Resource == "":
		return nil, errors.New("middleware: ExchangeConfig needs Audience or Resource: the downstream API")
	}
	if err := c.AuthStyle.check("ExchangeConfig.AuthStyle"); err != nil {
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
	return &http.Client{Transport: &exchanger{c: c, tokenURL: tokenURL, params: params, max: size,
		callers: map[[sha256.Size]byte]*exchangeEntry{}}}, nil
}

// exchanger is NewExchangeClient's RoundTripper: one Transport per
// caller's token.
type exchanger struct {
	c        ExchangeConfig
	tokenURL string
	params   url.Values

	mu      sync.Mutex
	max     int
	callers map[[sha256.Size]byte]*exchangeEntry
}

// exchangeEntry is one caller's Transport and when the caller's token
// expires.
type exchangeEntry struct {
	t       *Transport
	expires time.Time
}

func (e *exchanger) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, ok := Token(req.Context())
	if !ok {
		closeBody(req)
		return nil, ErrNoToken
	}
	return e.transport(tok).RoundTrip(req)
}

// transport returns the Transport for the caller's token.
func (e *exchanger) transport(tok *verify.Token) *Transport {
	key := sha256.Sum256([]byte(tok.Raw))
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if en := e.callers[key]; en != nil {
		return en.t
	}
	if len(e.callers) >= e.max {
		e.evict(now)
	}
	t := newTransport(e.fetcher(tok.Raw), e.c.HTTPClient, e.c.Base, 0, 0)
	e.callers[key] = &exchangeEntry{t: t, expires: tok.Expiry}
	return t
}

// evict makes room: it drops every caller whose token has expired, or else
// the one whose token expires first.
func (e *exchanger) evict(now time.Time) {
	var first [sha256.Size]byte
	var at time.Time
	for k, en := range e.callers {
		switch {
		case !now.Before(en.expires):
			delete(e.callers, k)
		case at.IsZero() || en.expires.Before(at):
			first, at = k, en.expires
		}
	}
	if len(e.callers) >= e.max {
		delete(e.callers, first)
	}
}

// fetcher exchanges subject for a downstream token.
func (e *exchanger) fetcher(subject string) func(context.Context) (*oauth2.Token, error) {
	params := url.Values{"subject_token": {subject}}
	for k, v := range e.params {
		params[k] = v
	}
	cc := &clientcredentials.Config{ClientID: e.c.ClientID, ClientSecret: e.c.ClientSecret, TokenURL: e.tokenURL,
		Scopes: e.c.Scopes, EndpointParams: params, AuthStyle: e.c.AuthStyle.oauth2()}
	return func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := cc.Token(ctx)
		if err != nil {
			return nil, e.c.AuthStyle.explain(redact(providerError(err), e.c.ClientSecret, subject))
		}
		return tok, nil
	}
}
