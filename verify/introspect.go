package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"golang.org/x/sync/singleflight"
)

// Introspection defaults.
const (
	defaultIntrospectionTTL  = 2 * time.Minute
	defaultNegativeTTL       = 10 * time.Second
	maxIntrospectionResponse = 64 << 10
)

// IntrospectionConfig configures an Introspector. Provider, ClientID,
// ClientSecret and an audience (or InsecureSkipAudience) are required.
type IntrospectionConfig struct {
	// Provider is the authorization server that issued the tokens: its
	// metadata names the introspection_endpoint, its issuer is the only
	// accepted "iss", and its keys verify RFC 9701 JWT responses.
	Provider *Provider

	// Endpoint, when set, is used instead of the provider's
	// introspection_endpoint.
	Endpoint string

	// ClientID and ClientSecret authenticate this API at the endpoint, as
	// a client authenticates at the token endpoint.
	ClientID, ClientSecret string

	// AuthStyle is how this API authenticates at the endpoint: HTTP Basic
	// (the default, RFC 6749 §2.3.1), the form body, or private_key_jwt
	// with ClientKey, whose assertion's aud is the provider's token
	// endpoint (else its issuer) unless ClientKey.Audience says otherwise.
	AuthStyle AuthStyle

	// ClientKey signs the private_key_jwt assertions (AuthStyle
	// PrivateKeyJWT).
	ClientKey ClientKey

	// Audiences lists the accepted "aud" values: an active token passes
	// when its aud contains at least one of them, as in Config.
	Audiences []string

	// InsecureSkipAudience accepts active tokens whatever their aud. Safe
	// only when the authorization server issues tokens for this API alone.
	InsecureSkipAudience bool

	// Leeway absorbs clock skew in exp, nbf and iat. Zero means 60 s; a
	// negative value means none.
	Leeway time.Duration

	// RequireJWTResponse asks for signed RFC 9701 responses (Accept:
	// application/token-introspection+jwt) and refuses plain JSON ones.
	// Without it, plain JSON is asked for, and a signed response the
	// server sends anyway is verified and accepted too.
	RequireJWTResponse bool

	// CacheTTL is the longest an active answer is reused; an entry never
	// outlives the token's exp either. Zero means 2 minutes; negative
	// turns positive caching off. A revoked token stays accepted for at
	// most this long.
	CacheTTL time.Duration

	// NegativeCacheTTL is how long a refusal (inactive, expired, wrong
	// audience) is reused. Zero means 10 s; negative turns it off. An
	// unreachable endpoint is never cached.
	NegativeCacheTTL time.Duration

	// CacheSize bounds the number of cached answers, as Config.CacheSize.
	// Zero means 4096; negative turns the cache off.
	CacheSize int

	// MaxTokenSize rejects longer tokens before any request. Default 16 KiB.
	MaxTokenSize int

	// HTTPClient makes the introspection requests. Default: the provider's
	// client (10 s timeout). A client without a timeout gets one.
	HTTPClient *http.Client

	// Now returns the current time; for tests. Default time.Now.
	Now func() time.Time

	// Observer, when set, gets one observe.Introspect event per answer: a
	// call to the endpoint (with its Duration; callers that share a call
	// under way share its event) or a cached answer (Cached). OK, Refused
	// with Reason ("inactive", "not_access_token", "expired", "audience",
	// …) or Failed "unavailable".
	Observer observe.Observer
}

// Introspector verifies tokens by asking the authorization server (token
// introspection, RFC 7662): for opaque access tokens, or any token the API
// cannot check itself. It is safe for concurrent use.
//
// An answer is accepted only when "active" is true, "token_type" is Bearer
// or DPoP ("token_use", when present, access_token), "iss" (when present)
// is the provider's issuer, "exp" is present and not past, "nbf" and "iat"
// are not in the future (with leeway) and "aud" contains an accepted
// audience; the answer is read with the strict decoder (no duplicate
// member, no case variant of a name Gatehouse reads) and at most 64 KiB of
// it. An endpoint that cannot be reached, times out, answers anything but
// 200 or an answer that cannot be read yields ErrUnavailable, never
// ErrInvalid. Answers are cached, concurrent requests for one token share
// one introspection call.
type Introspector struct {
	endpoint     string
	issuer       string
	clientID     string
	clientSecret string
	post         bool
	key          ClientKey // private_key_jwt; zero otherwise
	assertionAud string    // its assertions' default aud
	audiences    []string
	skipAud      bool
	requireJWT   bool
	ttl, negTTL  time.Duration
	maxSize      int
	client       *http.Client
	now          func() time.Time
	cache        *tokenCache // nil when off
	flight       singleflight.Group
	jwt          *Verifier // checks times, and RFC 9701 response JWTs
	obs          observe.Observer
}

// NewIntrospector returns an Introspector configured by c. It does no I/O.
func NewIntrospector(c IntrospectionConfig) (*Introspector, error) {
	if c.Provider == nil {
		return nil, errors.New("verify: IntrospectionConfig.Provider is nil")
	}
	if err := c.AuthStyle.Check(c.ClientKey); err != nil {
		return nil, fmt.Errorf("verify: IntrospectionConfig.%w", err)
	}
	if c.ClientID == "" || (c.ClientSecret == "") != (c.AuthStyle == PrivateKeyJWT) {
		return nil, errors.New("verify: IntrospectionConfig needs ClientID, and ClientSecret exactly when AuthStyle is not PrivateKeyJWT")
	}
	in := &Introspector{
		endpoint: c.Endpoint, issuer: c.Provider.Issuer(), clientID: c.ClientID,
		clientSecret: c.ClientSecret, audiences: slices.Clone(c.Audiences),
		skipAud: c.InsecureSkipAudience, requireJWT: c.RequireJWTResponse,
		ttl: c.CacheTTL, negTTL: c.NegativeCacheTTL, maxSize: c.MaxTokenSize, now: c.Now,
		obs: c.Observer,
	}
	// A negative TTL stays negative: no entry is ever stored with it.
	if in.ttl == 0 {
		in.ttl = defaultIntrospectionTTL
	}
	if in.negTTL == 0 {
		in.negTTL = defaultNegativeTTL
	}
	switch c.AuthStyle {
	case ClientSecretPost:
		in.post = true
	case PrivateKeyJWT:
		in.key, in.assertionAud = c.ClientKey, c.Provider.md.TokenEndpoint
		if in.assertionAud == "" {
			in.assertionAud = c.Provider.Issuer()
		}
		in.post = true
	}
	if in.endpoint == "" {
		in.endpoint = c.Provider.md.IntrospectionEndpoint
		if in.endpoint == "" {
			return nil, errors.New("verify: the provider advertises no introspection_endpoint; set IntrospectionConfig.Endpoint")
		}
	} else if err := checkURL("introspection endpoint", in.endpoint, false); err != nil {
		return nil, err
	}
	if len(in.audiences) == 0 && !in.skipAud {
		return nil, errors.New("verify: IntrospectionConfig.Audiences is empty: set the audience your API expects (or InsecureSkipAudience)")
	}
	if slices.Contains(in.audiences, "") {
		return nil, errors.New("verify: IntrospectionConfig.Audiences holds an empty string")
	}
	if in.maxSize <= 0 {
		in.maxSize = 16 << 10
	}
	if in.now == nil {
		in.now = time.Now
	}
	in.client = c.Provider.client
	if c.HTTPClient != nil {
		in.client = httpClient(c.HTTPClient)
	}
	switch {
	case c.CacheSize == 0:
		in.cache = newTokenCache(defaultCacheSize)
	case c.CacheSize > 0:
		in.cache = newTokenCache(c.CacheSize)
	}
	// The response JWT is addressed to this client (RFC 9701 §5).
	jwt, err := NewVerifier(Config{Audiences: []string{c.ClientID}, Type: "token-introspection+jwt",
		Leeway: c.Leeway, CacheSize: -1, Now: in.now}, c.Provider)
	if err != nil {
		return nil, err
	}
	in.jwt = jwt
	return in, nil
}

// Verify introspects raw (or reuses a cached answer) and returns the token
// the answer describes: Issuer, Subject, Audience, Scopes, Expiry, ClientID,
// ID (jti) from the answer's members, Claims decoding the whole answer (for
// a JWT answer, its token_introspection object). Errors match ErrInvalid
// (ErrExpired for a past exp) or ErrUnavailable.
func (in *Introspector) Verify(ctx context.Context, raw string) (*Token, error) {
	switch {
	case raw == "":
		in.report(ctx, time.Time{}, false, errEmptyToken)
		return nil, errEmptyToken
	case len(raw) > in.maxSize:
		in.report(ctx, time.Time{}, false, errTooLarge)
		return nil, errTooLarge
	}
	var h uint64
	if in.cache != nil {
		var e *cacheEntry
		if e, h = in.cache.lookup(raw); e != nil {
			if in.now().Before(e.until) {
				in.report(ctx, time.Time{}, true, e.err)
				if e.err != nil {
					return nil, e.err
				}
				cp := *e.tok
				return &cp, nil
			}
			in.cache.drop(h)
		}
	}
	// One call per token, whoever asks: it runs without the first caller's
	// cancellation (the HTTP client's timeout bounds it), and each caller
	// waits only as long as its own context allows.
	call := in.flight.DoChan(raw, func() (any, error) {
		return in.introspect(context.WithoutCancel(ctx), raw, h)
	})
	select {
	case r := <-call:
		if r.Err != nil {
			return nil, r.Err
		}
		cp := *r.Val.(*Token)
		return &cp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for token introspection: %w", ErrUnavailable, ctx.Err())
	}
}

// introspect asks the endpoint about raw, judges the answer and caches the
// verdict under hash h.
func (in *Introspector) introspect(ctx context.Context, raw string, h uint64) (_ *Token, err error) {
	start := time.Now()
	defer func() { in.report(ctx, start, false, err) }()
	doc, err := in.ask(ctx, raw)
	if err != nil {
		return nil, err
	}
	t, err := in.judge(raw, doc)
	if err != nil && !errors.Is(err, ErrInvalid) {
		return nil, err // the answer could not be read: nothing to cache
	}
	if in.cache != nil {
		now := in.now()
		e := &cacheEntry{hash: h, raw: raw, tok: t, err: err, until: now.Add(in.negTTL)}
		if err == nil {
			e.until = now.Add(in.ttl)
			if t.Expiry.Before(e.until) {
				e.until = t.Expiry
			}
		}
		if e.until.After(now) {
			in.cache.store(e)
		}
	}
	return t, err
}

// judge decodes an introspection answer and applies the token checks.
func (in *Introspector) judge(raw string, doc []byte) (*Token, error) {
	var r introspection
	if err := decodeIntrospection(doc, &r); err != nil {
		return nil, fmt.Errorf("%w: the introspection answer was refused: %v", ErrUnavailable, err)
	}
	switch {
	case !r.active:
		return nil, errInactive
	case !isAccessTokenType(r.tokenType) || r.tokenUse != "" && r.tokenUse != "access_token":
		return nil, errNotAccessToken
	case r.c.Iss != "" && r.c.Iss != in.issuer:
		return nil, errIssuer
	}
	if r.c.Iss == "" {
		r.c.Iss = in.issuer // the provider vouched for it
	}
	t, err := newToken(raw, &header{}, doc, &r.c)
	if err != nil {
		return nil, err
	}
	if err := in.jwt.checkTimes(t); err != nil {
		return nil, err
	}
	if !in.skipAud && !containsAny(t.Audience, in.audiences) {
		return nil, errAudience
	}
	return t, nil
}

// Introspection rejections.
var (
	errEmptyToken     = invalid("malformed", "empty token")
	errInactive       = invalid("inactive", "the authorization server reports the token inactive")
	errNotAccessToken = invalid("not_access_token", "the introspected token is not an access token (token_type must be Bearer or DPoP)")
)
