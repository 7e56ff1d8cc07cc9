package outbound

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// Config configures New: machine-to-machine calls with the
// client-credentials grant (RFC 6749 §4.4).
type Config struct {
	// TokenURL is the provider's token endpoint: https, or http on a
	// loopback address. Set it or Provider.
	TokenURL string
	// Provider, when TokenURL is empty, gives the token endpoint from its
	// metadata (verify.Discover).
	Provider *verify.Provider

	// ClientID and ClientSecret authenticate this client. Both required,
	// but for verify.PrivateKeyJWT, which needs no secret.
	ClientID, ClientSecret string

	// Scopes requested.
	Scopes []string

	// EndpointParams are extra token-request parameters, e.g. "audience"
	// (Auth0, Okta) or RFC 8707 "resource".
	EndpointParams url.Values

	// AuthStyle is how the secret is sent. Default verify.ClientSecretBasic (the
	// ID and secret form-url-encoded, then Basic, per RFC 6749 §2.3.1).
	// Never auto-detected: a refused style is not retried with the other.
	AuthStyle verify.AuthStyle
	// ClientKey signs the client assertions when AuthStyle is
	// verify.PrivateKeyJWT; ClientSecret is then never sent.
	ClientKey verify.ClientKey

	// ExpiryMargin renews a token this long before it expires. Default
	// 30 s. It is capped at half the token's lifetime, so a provider's
	// short-lived tokens are still reused.
	ExpiryMargin time.Duration

	// DefaultLifetime is assumed when a token response has no expires_in.
	// Default 5 minutes: short, since the real lifetime is unknown and a
	// token that died early costs a 401 and a retry.
	DefaultLifetime time.Duration

	// HTTPClient makes the token requests. Default: a client with a 10 s
	// timeout; a client without a timeout gets 10 s.
	HTTPClient *http.Client

	// Base carries the API requests. Default http.DefaultTransport.
	Base http.RoundTripper

	// DPoPKey, when set, makes the tokens DPoP-bound (RFC 9449): token
	// and API requests carry a proof signed with it (ES256/384/512 by
	// curve, EdDSA, or PS256 for RSA of at least 2048 bits), API requests
	// use the DPoP scheme, the token response must say token_type DPoP,
	// and a server asking for a nonce gets the request once more with it.
	DPoPKey crypto.Signer

	// Observer, when set, gets one observe.TokenRequest event per request
	// to the token endpoint, with its Duration: OK; Refused with the
	// provider's OAuth error code ("invalid_client", "invalid_grant", …,
	// "provider_error" for a code outside the OAuth ones;
	// "token_rejected" for an answer of another token_type); or Failed
	// "unavailable" (5xx), "unreachable", "bad_answer" or "error" (a
	// rotated refresh token that could not be persisted). Issuer is
	// Provider's, empty with TokenURL alone.
	Observer observe.Observer
}

// New returns an *http.Client whose requests carry a bearer token from
// the client-credentials grant: fetched when first needed, cached until
// shortly before it expires, renewed once however many requests need it at
// the same moment, each fetch carrying the context values of the request
// that needs it (never a context kept from construction). The renewal ahead
// of expiry runs in the background: a request that has a token that has not
// expired never waits for it. An API answer 401
// drops the token, and the request is retried once with a fresh one when its
// body can be replayed. When a renewal ahead of expiry fails, the current
// token is used until it expires. After a failed token request the next one
// waits 1 s, doubling up to 30 s while failures continue; in between,
// requests that have no unexpired token fail at once with the last error
// (the provider is not asked again). Token-endpoint failures come back as
// errors matching
// verify.ErrProvider, a *verify.ProviderError when the provider answered an OAuth error;
// they never hold the client secret or the provider's raw answer.
func New(c Config) (*http.Client, error) {
	t, err := NewTransport(c)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t}, nil
}

// NewTransport is New's http.RoundTripper, for callers with a client
// of their own.
func NewTransport(c Config) (*Transport, error) {
	tokenURL, err := tokenEndpoint(c.TokenURL, c.Provider)
	if err != nil {
		return nil, err
	}
	if c.ClientID == "" || (c.ClientSecret == "" && c.AuthStyle != verify.PrivateKeyJWT) {
		return nil, errors.New("outbound: Config needs ClientID and ClientSecret (or AuthStyle PrivateKeyJWT)")
	}
	as, err := endpoint.NewAssertion("outbound: Config", c.AuthStyle, c.ClientKey, c.ClientID, tokenURL)
	if err != nil {
		return nil, err
	}
	cc := &clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: tokenURL,
		Scopes: c.Scopes, EndpointParams: c.EndpointParams, AuthStyle: endpoint.OAuth2Style(c.AuthStyle),
	}
	var signer *dpopSigner
	if c.DPoPKey != nil {
		if signer, err = newDPoPSigner(c.DPoPKey); err != nil {
			return nil, err
		}
	}
	secret := c.ClientSecret
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := cc.Token(ctx)
		if err != nil {
			return nil, endpoint.Explain(c.AuthStyle, endpoint.Redact(endpoint.ProviderFailure(err), secret))
		}
		return tok, nil
	}
	if signer != nil {
		fetch = withDPoPTokenClient(signer, fetch)
	}
	t := newTransport(fetch, as.Wrap(endpoint.WithTimeout(c.HTTPClient)), c.Base, c.ExpiryMargin, c.DefaultLifetime)
	t.dpop = signer
	t.observeFor(c)
	return t, nil
}

// tokenEndpoint is u, or else p's token endpoint, checked: https (http on
// loopback), no credentials in it; errors never print a password.
func tokenEndpoint(u string, p *verify.Provider) (string, error) {
	if u == "" && p != nil {
		u = p.Metadata().TokenEndpoint
	}
	if u == "" {
		return "", errors.New("outbound: no token endpoint: set TokenURL or Provider")
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", errors.New("outbound: the token endpoint is not a URL")
	}
	if pu.Host == "" || pu.User != nil || (pu.Scheme != "https" && !(pu.Scheme == "http" && verify.IsLoopback(pu.Hostname()))) {
		return "", fmt.Errorf("outbound: token endpoint %q must be an https URL without credentials (http only on loopback)", pu.Redacted())
	}
	return u, nil
}

// refusalInterval is the least time between two renewals caused by API
// answers 401: an API that refuses every token costs the provider at most
// one token request per interval, not one per call.
const refusalInterval = time.Second

// Transport adds a cached, self-renewing bearer token to each request. It
// is safe for concurrent use. New and NewRefresh build one; they
// differ only in how a token is fetched.
type Transport struct {
	base    http.RoundTripper
	fetch   func(context.Context) (*oauth2.Token, error)
	client  *http.Client
	margin  time.Duration
	deflife time.Duration
	now     func() time.Time
	dpop    *dpopSigner // nil unless Config.DPoPKey
	obs     observe.Observer
	issuer  string // Config.Provider's, for obs

	flight singleflight.Group // the token fetch under way, key tokenFetch

	mu          sync.Mutex
	token       *cachedToken // the cached token; nil when none
	renewAt     time.Time    // when the cached token stops being handed out
	lastRefusal time.Time    // when a 401 last dropped the cached token
	fetching    bool         // a token fetch is under way (in flight)
	failures    int          // token requests failed in a row
	retryAt     time.Time    // no token request before this, after a failure
	lastErr     error        // why the last token request failed
}

// cachedToken is an access token and its Authorization header value, built
// once per token rather than once per request.
type cachedToken struct {
	token, header string
	expires       time.Time // when the provider says it expires
}

// Token requests that fail are retried after retryMin, doubling up to
// retryMax while they keep failing: a provider that is down or refusing sees
// a few requests a minute from each client, not one per API call.
const (
	retryMin = time.Second
	retryMax = 30 * time.Second
)

// tokenFetch is the key of the token fetch in Transport.flight.
const tokenFetch = "token"

func newTransport(fetch func(context.Context) (*oauth2.Token, error), client *http.Client, base http.RoundTripper, margin, deflife time.Duration) *Transport {
	client = endpoint.WithTimeout(client)
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{base: base, fetch: fetch, client: client,
		margin: endpoint.PositiveOr(margin, 30*time.Second), deflife: endpoint.PositiveOr(deflife, 5*time.Minute), now: time.Now}
}

// RoundTrip sends a copy of req with the current token (req itself is not
// changed). On a 401 it drops the token and, when the body can be sent
// again (no body, or GetBody set), retries once with a fresh one; otherwise
// the 401 is returned.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.current(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.send(req, tok, req.Body)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	t.drop(tok)
	if !replayable(req) {
		return resp, nil
	}
	body := req.Body
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	fresh, err := t.current(req.Context())
	if err != nil || fresh == tok {
		if body != nil && body != req.Body {
			body.Close()
		}
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.send(req, fresh, body)
}

// Token returns a valid access token, fetching one when the cached one is
// missing or close to expiry. Concurrent callers share one fetch, which
// carries the values (not the deadline) of the ctx of the caller that
// started it and is bounded by the HTTP client's timeout; a caller whose
// ctx ends stops waiting without cancelling the fetch for the others. A
// renewal ahead of expiry runs in the background: callers holding a token
// that has not expired get it at once, and only callers without one wait.
func (t *Transport) Token(ctx context.Context) (string, error) {
	b, err := t.current(ctx)
	if err != nil {
		return "", err
	}
	return b.token, nil
}

// current is Token with the header value.
func (t *Transport) current(ctx context.Context) (*cachedToken, error) {
	t.mu.Lock()
	now := t.now()
	if t.token != nil && now.Before(t.renewAt) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	if !t.fetching && now.Before(t.retryAt) {
		// Backing off after a failed token request: the cached token while
		// it has not expired, else the failure, without asking again yet.
		tok, err, wait := t.token, t.lastErr, t.retryAt.Sub(now)
		t.mu.Unlock()
		if tok != nil && now.Before(tok.expires) {
			return tok, nil
		}
		return nil, fmt.Errorf("%w (next token request in %s)", err, wait.Round(time.Millisecond))
	}
	// Past renewAt: a caller whose token has not expired starts the
	// renewal (when none is under way) and goes on with that token; only
	// callers without one wait for the renewal.
	//
	// The fetch is x/sync/singleflight's DoChan, in its own goroutine. As
	// for the key refresh (verify/keys.go), t.fetching says one is under
	// way, for the back-off above, and DoChan and the Forget at the end of
	// renew run under t.mu: a caller that sees fetching joins the fetch under
	// way, never one that has ended.
	valid := t.token
	if valid != nil && !now.Before(valid.expires) {
		valid = nil
	}
	var ch <-chan singleflight.Result
	fetch := func() (any, error) { return t.renew(context.WithoutCancel(ctx)) }
	if !t.fetching {
		if err := ctx.Err(); err != nil {
			// A caller that has given up starts nothing.
			t.mu.Unlock()
			if valid != nil {
				return valid, nil
			}
			return nil, err
		}
		t.fetching = true
		ch = t.flight.DoChan(tokenFetch, fetch)
	} else if valid == nil {
		ch = t.flight.DoChan(tokenFetch, fetch) // joins the fetch under way
	}
	t.mu.Unlock()
	if valid != nil {
		return valid, nil
	}
	select {
	case r := <-ch:
		tok, _ := r.Val.(*cachedToken)
		return tok, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// renew fetches a token and caches it. It returns the token for the callers
// waiting: the new one, or after a failure the current one while it has not
// expired, else the failure.
func (t *Transport) renew(ctx context.Context) (*cachedToken, error) {
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, t.client), t.client.Timeout)
	defer cancel()
	start := time.Now()
	tok, err := t.fetch(ctx)
	if err == nil {
		err = endpoint.CheckTokenType(tok, t.scheme())
	}
	if err == nil && tok.AccessToken == "" {
		err = fmt.Errorf("%w: the token response has no access_token", verify.ErrProvider)
	}
	if t.obs != nil {
		e := observe.Event{Kind: observe.TokenRequest, Issuer: t.issuer, Duration: time.Since(start)}
		e.Outcome, e.Reason = endpoint.Outcome(err)
		t.obs.Observe(ctx, e)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flight.Forget(tokenFetch)
	t.fetching = false
	now := t.now()
	if err != nil {
		t.failures++
		t.retryAt = now.Add(min(retryMin<<min(t.failures-1, 5), retryMax))
		t.lastErr = err
		if t.token != nil && now.Before(t.token.expires) {
			// Renewal ahead of expiry failed: the current token still
			// works, so callers keep it until it expires or is refused.
			return t.token, nil
		}
		return nil, err
	}
	life := endpoint.TokenLifetime(tok, now, t.deflife)
	t.token = &cachedToken{token: tok.AccessToken, header: t.scheme() + " " + tok.AccessToken, expires: now.Add(life)}
	t.renewAt = endpoint.RenewAt(now, now.Add(life), t.margin)
	t.failures, t.retryAt, t.lastErr = 0, time.Time{}, nil
	return t.token, nil
}

// observeFor makes t report its token requests to c.Observer.
func (t *Transport) observeFor(c Config) {
	t.obs = c.Observer
	if c.Provider != nil {
		t.issuer = c.Provider.Issuer()
	}
}

// drop forgets tok after the API refused it, if it is still the cached
// token and no other refusal dropped one within refusalInterval.
func (t *Transport) drop(tok *cachedToken) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now := t.now(); t.token == tok && now.Sub(t.lastRefusal) >= refusalInterval {
		t.token = nil
		t.lastRefusal = now
	}
}

// CloseIdleConnections closes the idle connections of the API transport
// (Base), when it has such a method; http.Client.CloseIdleConnections
// calls it.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// withBearer copies req with the token and body: a shallow copy with its own
// Header, as the RoundTripper contract asks (req is not changed).
func withBearer(req *http.Request, tok *cachedToken, body io.ReadCloser) *http.Request {
	r := req.WithContext(req.Context())
	r.Body = body
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = make(http.Header, 1)
	}
	r.Header["Authorization"] = []string{tok.header}
	return r
}

// replayable reports whether req's body can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
