package middleware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-go/gatehouse/verify"
)

// ClientConfig configures NewClient: machine-to-machine calls with the
// client-credentials grant (RFC 6749 §4.4).
type ClientConfig struct {
	// TokenURL is the provider's token endpoint; or give Provider.
	TokenURL string
	Provider *verify.Provider

	// ClientID and ClientSecret authenticate this client.
	ClientID, ClientSecret string

	// Scopes requested.
	Scopes []string

	// EndpointParams are extra token-request parameters, e.g. "audience"
	// (Auth0, Okta) or RFC 8707 "resource".
	EndpointParams url.Values

	// AuthStyle is how the secret is sent. Default ClientSecretBasic (the
	// ID and secret form-url-encoded, then Basic, per RFC 6749 §2.3.1).
	AuthStyle AuthStyle

	// ExpiryMargin renews a token this long before it expires. Default 30 s.
	ExpiryMargin time.Duration

	// DefaultLifetime is assumed when a token response has no expires_in.
	// Default 5 minutes: short, since the real lifetime is unknown.
	DefaultLifetime time.Duration

	// HTTPClient makes the token requests. Default: a client with a 10 s
	// timeout.
	HTTPClient *http.Client

	// Base carries the API requests. Default http.DefaultTransport.
	Base http.RoundTripper
}

// NewClient returns an *http.Client whose requests carry a bearer token from
// the client-credentials grant: fetched when first needed, cached until
// shortly before it expires, renewed once however many requests need it at
// the same moment, each fetch under the context of the request that needs
// it. An API answer 401 drops the token, and the request is retried once
// with a fresh one when its body can be replayed.
func NewClient(c ClientConfig) (*http.Client, error) {
	t, err := NewTransport(c)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t}, nil
}

// NewTransport is NewClient's http.RoundTripper, for callers with a client
// of their own.
func NewTransport(c ClientConfig) (*Transport, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	if err != nil {
		return nil, err
	}
	if c.ClientID == "" {
		return nil, errors.New("middleware: ClientConfig.ClientID is empty")
	}
	if c.AuthStyle != ClientSecretBasic && c.AuthStyle != ClientSecretPost {
		return nil, errors.New("middleware: unknown ClientConfig.AuthStyle")
	}
	cc := &clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: tokenURL,
		Scopes: c.Scopes, EndpointParams: c.EndpointParams, AuthStyle: c.AuthStyle.oauth2(),
	}
	secret := c.ClientSecret
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := cc.Token(ctx)
		if err != nil {
			return nil, redact(providerError(err), secret)
		}
		return tok, nil
	}
	return newTransport(fetch, c.HTTPClient, c.Base, c.ExpiryMargin, c.DefaultLifetime), nil
}

func tokenEndpoint(u string, p *verify.Provider) (string, error) {
	if u == "" && p != nil {
		u = p.Metadata().TokenEndpoint
	}
	if u == "" {
		return "", errors.New("middleware: no token endpoint: set TokenURL or Provider")
	}
	if pu, err := url.Parse(u); err != nil || pu.Host == "" || (pu.Scheme != "https" && !(pu.Scheme == "http" && verify.IsLoopback(pu.Hostname()))) {
		return "", fmt.Errorf("middleware: token endpoint %q must be an https URL (http only on loopback)", u)
	}
	return u, nil
}

// Transport adds a cached, self-renewing bearer token to each request. It
// is safe for concurrent use.
type Transport struct {
	base    http.RoundTripper
	fetch   func(context.Context) (*oauth2.Token, error)
	client  *http.Client
	margin  time.Duration
	deflife time.Duration
	now     func() time.Time

	mu       sync.Mutex
	token    string
	expiry   time.Time
	inflight *tokenCall
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

func newTransport(fetch func(context.Context) (*oauth2.Token, error), client *http.Client, base http.RoundTripper, margin, deflife time.Duration) *Transport {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	} else if client.Timeout == 0 {
		cc := *client
		cc.Timeout = 10 * time.Second
		client = &cc
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{base: base, fetch: fetch, client: client,
		margin: orDur(margin, 30*time.Second), deflife: orDur(deflife, 5*time.Minute), now: time.Now}
}

// RoundTrip sends req with the current token; on a 401 it renews the token
// and retries once when the body can be sent again.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(withBearer(req, tok, req.Body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	body := req.Body
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	t.drop(tok)
	fresh, err := t.Token(req.Context())
	if err != nil || fresh == tok {
		if body != nil && body != req.Body {
			body.Close()
		}
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.base.RoundTrip(withBearer(req, fresh, body))
}

// Token returns a valid access token, fetching one when the cached one is
// missing or close to expiry. Concurrent callers share one fetch; a caller
// whose ctx ends stops waiting without cancelling the fetch for the others.
func (t *Transport) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" && t.now().Before(t.expiry.Add(-t.margin)) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	c := t.inflight
	if c == nil {
		c = &tokenCall{done: make(chan struct{})}
		t.inflight = c
		go t.renew(context.WithoutCancel(ctx), c)
	}
	t.mu.Unlock()
	select {
	case <-c.done:
		return c.token, c.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// renew fetches a token for a call.
func (t *Transport) renew(ctx context.Context, c *tokenCall) {
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, t.client), t.client.Timeout)
	defer cancel()
	tok, err := t.fetch(ctx)
	if err == nil && !strings.EqualFold(tok.Type(), "Bearer") {
		err = fmt.Errorf("%w: token_type %q is not Bearer", ErrProvider, printable(tok.TokenType, 32))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight = nil
	if err != nil {
		c.err = err
	} else {
		c.token = tok.AccessToken
		t.token = tok.AccessToken
		t.expiry = tok.Expiry
		if t.expiry.IsZero() {
			t.expiry = t.now().Add(t.deflife)
		}
	}
	close(c.done)
}

// drop forgets tok if it is still the cached token.
func (t *Transport) drop(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token = ""
	}
}

// withBearer clones req with the token and body.
func withBearer(req *http.Request, tok string, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
