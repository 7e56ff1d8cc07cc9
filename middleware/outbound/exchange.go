package outbound

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
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

// Token exchange identifiers (RFC 8693 §3).
const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType    = "urn:ietf:params:oauth:token-type:access_token"
)

// exchangeReserved are the token-exchange parameters Config.EndpointParams
// may not set: the grant, the caller's token and its type, and the client's
// authentication belong to NewExchange alone.
var exchangeReserved = map[string]bool{
	"grant_type": true, "subject_token": true, "subject_token_type": true, "requested_token_type": true,
	"actor_token": true, "actor_token_type": true, "scope": true, "client_id": true, "client_secret": true,
	"client_assertion": true, "client_assertion_type": true,
}

// exchangeCallers bounds how many callers' exchanged tokens a client keeps.
const exchangeCallers = 1024

// NewExchange returns a client for calls to one downstream API on behalf
// of the caller of this API (RFC 8693 token exchange). c is as for New:
// Config.EndpointParams must name the downstream API, as "audience" or RFC
// 8707 "resource" (or both); Scopes, when set, are those requested for the
// downstream call (default those of the caller's token, as the provider
// decides). Each request's context must be (or derive from) that of a
// request the bearer middleware accepted: its token is exchanged for one
// restricted to the downstream API (subject_token_type access_token), sent
// as a bearer token. Exchanged tokens are cached per caller's token (the
// audience is the client's) until shortly before they expire, and renewed
// once however many requests need them; the cache holds 1024 callers: when
// full, the caller seen least recently goes (one whose own token expired is
// not seen again, so it goes first). A request whose context holds no
// verified token fails with bearer.ErrNoToken, before any network call.
// Token-endpoint failures match verify.ErrProvider, as New's do, with the
// client secret and the caller's token redacted.
func NewExchange(c Config) (*http.Client, error) {
	e, err := newExchanger(c, exchangeCallers)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: e}, nil
}

// newExchanger is NewExchange's RoundTripper, holding at most callers
// callers' tokens.
func newExchanger(c Config, callers int) (*exchanger, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	if err != nil {
		return nil, err
	}
	switch {
	case c.ClientID == "" || (c.ClientSecret == "" && c.AuthStyle != verify.PrivateKeyJWT):
		return nil, errors.New("outbound: NewExchange needs Config.ClientID and ClientSecret (or AuthStyle PrivateKeyJWT)")
	case c.EndpointParams.Get("audience") == "" && c.EndpointParams.Get("resource") == "":
		return nil, errors.New(`outbound: NewExchange needs the downstream API in Config.EndpointParams, as "audience" or "resource"`)
	case c.DPoPKey != nil:
		return nil, errors.New("outbound: NewExchange does not DPoP-bind its tokens: leave Config.DPoPKey empty")
	}
	for k := range c.EndpointParams {
		if exchangeReserved[k] {
			return nil, fmt.Errorf("outbound: Config.EndpointParams cannot set %q: NewExchange sets it", k)
		}
	}
	as, err := endpoint.NewAssertion("outbound: NewExchange: Config", c.AuthStyle, c.ClientKey, c.ClientID, tokenURL)
	if err != nil {
		return nil, err
	}
	params := url.Values{"grant_type": {tokenExchangeGrant}, "subject_token_type": {accessTokenType},
		"requested_token_type": {accessTokenType}}
	for k, v := range c.EndpointParams {
		params[k] = v
	}
	lru, _ := simplelru.NewLRU[[sha256.Size]byte, *Transport](callers, nil)
	return &exchanger{c: c, tokenURL: tokenURL, tokens: as.Wrap(endpoint.WithTimeout(c.HTTPClient)), params: params, callers: lru}, nil
}

// exchanger is NewExchange's RoundTripper: one Transport per
// caller's token.
type exchanger struct {
	c        Config
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
	t.observeFor(e.c)
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
