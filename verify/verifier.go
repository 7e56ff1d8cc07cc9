package verify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// defaultAlgorithms are the algorithms accepted when Config.Algorithms is
// empty: every asymmetric JWS algorithm of RFC 7518 plus EdDSA. Unexported,
// so that no package can widen what every default Verifier accepts.
var defaultAlgorithms = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA",
}

// hmacAlgorithms may be used only with Config.HMACKey.
var hmacAlgorithms = []string{"HS256", "HS384", "HS512"}

// Config configures a Verifier. Its zero value is strict: it needs at least
// an audience (or InsecureSkipAudience) before NewVerifier accepts it.
type Config struct {
	// Audiences lists the accepted "aud" values for access tokens: a token
	// passes when its aud contains at least one of them.
	Audiences []string

	// InsecureSkipAudience lets Verify accept tokens whatever their aud.
	// Safe only when the issuer signs tokens for this API alone; otherwise
	// a token minted for another service is accepted here.
	InsecureSkipAudience bool

	// ClientID is this application's OAuth client ID, the audience
	// VerifyIDToken requires. Needed only for ID tokens.
	ClientID string

	// Algorithms is the allowlist of JWS "alg" values. Default:
	// RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA. "none" is
	// never accepted; HS256/384/512 only with HMACKey.
	//
	// Each key of a provider's key set is used with one algorithm
	// (RFC 8725 §3.1): its own "alg" member, or, for a key without one,
	// RS256 (RSA), ES256/ES384/ES512 (by curve) or EdDSA (Ed25519). Setting
	// Algorithms explicitly widens only the keys without "alg": they are
	// then used with every listed algorithm their type can sign, so
	// Algorithms {"PS256"} makes such RSA keys PS256 keys, and {"RS256",
	// "PS256"} lets them verify both. The default list never widens.
	Algorithms []string

	// IDTokenAlgorithms narrows the algorithms VerifyIDToken,
	// VerifyRefreshedIDToken and VerifyLogoutToken accept. Those tokens
	// are always held to the algorithms their provider advertises in
	// id_token_signing_alg_values_supported (RS256 when it advertises none,
	// as OpenID Connect Discovery 1.0 §3 defaults) that Algorithms allows;
	// when set, also to these. Each must be allowed by Algorithms.
	IDTokenAlgorithms []string

	// HMACKey is a shared secret for HS256/HS384/HS512 tokens. When set,
	// those algorithms are accepted (with this key only, never with a key
	// from a JWKS). Use at least 32 random bytes.
	HMACKey []byte

	// Leeway absorbs clock skew in exp, nbf and iat. Zero means 60 s; a
	// negative value means none.
	Leeway time.Duration

	// Type, when set, is the required "typ" header, compared without case
	// and with or without the "application/" prefix: "at+jwt" requires
	// RFC 9068 access tokens.
	Type string

	// MaxTokenSize rejects longer tokens before any parsing. Default 16 KiB.
	MaxTokenSize int

	// CacheSize is how many verified access tokens Verify remembers, so a
	// token sent again skips the signature check (the time checks still run
	// and an entry dies with its token or when the key set changes). Zero
	// means 4096; a positive size is rounded up to a power of two of at
	// least 8; a negative value turns the cache off.
	CacheSize int

	// Now returns the current time; for tests. Default time.Now.
	Now func() time.Time

	// Observer, when set, gets one observe.Verify event per Verify or
	// VerifyInto call: OK (Cached when the token came from the cache),
	// Refused with the failed check as Reason, or Failed "unavailable".
	// The doc of this package lists the reasons.
	Observer observe.Observer
}

// Verifier verifies JWTs signed by one or more trusted providers. It is safe
// for concurrent use and does no I/O until a token needs keys.
type Verifier struct {
	issuers   map[string]*Provider
	templated []*Provider // the trusted providers with an IssuerTemplate
	audiences []string
	skipAud   bool
	clientID  string
	algs      []string
	wide      bool                // Algorithms set by the application: see publicKey.fits
	idAlgs    map[string][]string // issuer → algorithms its ID and logout tokens may use
	hmacKey   []byte
	leeway    time.Duration
	typ       string
	maxSize   int
	now       func() time.Time
	cache     *tokenCache // nil when off
	obs       observe.Observer
}

// NewVerifier returns a Verifier trusting tokens from the given providers.
// A token is matched to its provider by its exact "iss"; the keys come only
// from that provider's own key set, never from a URL the token names.
func NewVerifier(c Config, trusted ...*Provider) (*Verifier, error) {
	if len(trusted) == 0 {
		return nil, errors.New("verify: NewVerifier needs at least one trusted Provider")
	}
	v := &Verifier{
		issuers:   make(map[string]*Provider, len(trusted)),
		audiences: slices.Clone(c.Audiences),
		skipAud:   c.InsecureSkipAudience,
		clientID:  c.ClientID,
		hmacKey:   slices.Clone(c.HMACKey),
		leeway:    c.Leeway,
		maxSize:   c.MaxTokenSize,
		now:       c.Now,
		obs:       c.Observer,
	}
	for _, p := range trusted {
		if p == nil {
			return nil, errors.New("verify: NewVerifier got a nil Provider")
		}
		for _, iss := range append([]string{p.md.Issuer}, p.aliases...) {
			if _, dup := v.issuers[iss]; dup {
				return nil, fmt.Errorf("verify: issuer %q is listed twice", iss)
			}
			v.issuers[iss] = p
		}
		if p.tenants != nil {
			v.templated = append(v.templated, p)
		}
	}
	if len(v.audiences) == 0 && !v.skipAud && v.clientID == "" {
		return nil, errors.New("verify: Config.Audiences is empty: set the audience your API expects (or InsecureSkipAudience)")
	}
	if slices.Contains(v.audiences, "") {
		return nil, errors.New("verify: Config.Audiences holds an empty string")
	}
	switch {
	case v.leeway == 0:
		v.leeway = 60 * time.Second
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.maxSize <= 0 {
		v.maxSize = 16 << 10
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case c.CacheSize == 0:
		v.cache = newTokenCache(defaultCacheSize)
	case c.CacheSize > 0:
		v.cache = newTokenCache(c.CacheSize)
	}
	if c.Type != "" {
		v.typ = normalizeType(c.Type)
	}
	v.algs = c.Algorithms
	if len(v.algs) == 0 {
		v.algs = slices.Clone(defaultAlgorithms)
		if len(v.hmacKey) > 0 {
			v.algs = append(v.algs, hmacAlgorithms...)
		}
	}
	for _, a := range v.algs {
		switch {
		case strings.EqualFold(a, "none"):
			return nil, errors.New(`verify: alg "none" cannot be allowed`)
		case slices.Contains(hmacAlgorithms, a):
			if len(v.hmacKey) == 0 {
				return nil, fmt.Errorf("verify: %s needs Config.HMACKey", a)
			}
		case !slices.Contains(defaultAlgorithms, a) && a != "Ed25519":
			return nil, fmt.Errorf("verify: unknown algorithm %q", a)
		}
	}
	if len(v.hmacKey) > 0 && len(v.hmacKey) < 32 {
		return nil, errors.New("verify: Config.HMACKey must be at least 32 bytes")
	}
	v.wide = len(c.Algorithms) > 0
	if err := v.setIDAlgorithms(c.IDTokenAlgorithms); err != nil {
		return nil, err
	}
	return v, nil
}

// Verify checks an access token and returns its claims. The checks, in order:
// size; compact JWS form (a JWE is rejected); header: alg in the allowlist,
// no crit, no b64:false, typ when configured; iss is a trusted issuer; the
// signature, with a key from that issuer's key set matching kid and alg
// (jku, x5u, x5c and jwk headers are ignored); exp present and not past; nbf
// and iat not in the future (all with leeway); aud holds an accepted audience.
//
// The Token returned must not be modified: with the cache on, every request
// carrying the same token is handed the same *Token, so a hit allocates
// nothing. A Token found modified is replaced before it is handed out again
// and the cache's own checks never read it, so a write reaches no later
// request, but requests holding it at the time see it.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	return v.verifyAccess(ctx, raw, decodeClaims)
}

// verifyAccess is Verify with the claims decoded by decode (not called on a
// cache hit), reported to the Observer.
func (v *Verifier) verifyAccess(ctx context.Context, raw string, decode func([]byte, *claims) error) (*Token, error) {
	if v.obs == nil {
		t, _, _, err := v.checkAccess(ctx, raw, decode, false)
		return t, err
	}
	t, cached, start, err := v.checkAccess(ctx, raw, decode, true)
	e := observe.Event{Kind: observe.Verify, Cached: cached}
	if !start.IsZero() {
		e.Duration = time.Since(start)
	}
	if e.Outcome, e.Reason = judged(err); err == nil {
		e.Issuer = t.trust
	}
	v.obs.Observe(ctx, e)
	return t, err
}

// checkAccess is verifyAccess without the report; cached tells a token
// judged from the cache. When timed, start is when a verification that
// missed the cache began (a cache hit is not timed: reading the clock would
// cost it more than the lookup).
func (v *Verifier) checkAccess(ctx context.Context, raw string, decode func([]byte, *claims) error, timed bool) (_ *Token, cached bool, start time.Time, _ error) {
	var h uint64
	if v.cache != nil && len(raw) <= v.maxSize {
		var e *cacheEntry
		if e, h = v.cache.lookup(raw); e != nil {
			if err := v.checkTimes(e.tok); err != nil {
				v.cache.drop(h)
				return nil, true, start, err
			}
			return e.handout(), true, start, nil
		}
	}
	if timed {
		start = time.Now()
	}
	t, ks, gen, err := v.verifyWith(ctx, raw, decode)
	if err != nil {
		return nil, false, start, err
	}
	if !v.skipAud && !containsAny(t.Audience, v.audiences) {
		return nil, false, start, errAudience
	}
	if v.cache != nil {
		v.cache.put(h, t, ks, gen)
	}
	return t, false, start, nil
}

// header is the protected JWS header. Key-carrying headers (jku, jwk, x5u,
// x5c) are deliberately not read.
type header struct {
	Alg, Kid, Typ, Enc string
	Crit, B64          bool // present, whatever their value
}

// verify runs every check but the audience one. It also returns the key set
// and generation the signature was checked with (nil, 0 for HMAC).
func (v *Verifier) verify(ctx context.Context, raw string) (*Token, *keySet, uint64, error) {
	return v.verifyWith(ctx, raw, decodeClaims)
}

// verifyWith is verify with the claims decoded by decode.
func (v *Verifier) verifyWith(ctx context.Context, raw string, decode func([]byte, *claims) error) (*Token, *keySet, uint64, error) {
	t, ks, gen, err := v.verifySigned(ctx, raw, decode)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := v.checkTimes(t); err != nil {
		return nil, nil, 0, err
	}
	return t, ks, gen, nil
}

// verifySigned runs the checks of verify up to the signature: every one but
// the time and audience checks. decode reads the claims (decodeClaims, or
// VerifyInto's one pass).
func (v *Verifier) verifySigned(ctx context.Context, raw string, decode func([]byte, *claims) error) (_ *Token, ks *keySet, gen uint64, err error) {
	if len(raw) > v.maxSize {
		return nil, nil, 0, errTooLarge
	}
	d1 := strings.IndexByte(raw, '.')
	d2 := strings.LastIndexByte(raw, '.')
	if d1 < 0 || d1 == d2 {
		return nil, nil, 0, errSegments
	}
	if strings.Count(raw, ".") != 2 {
		if strings.Count(raw, ".") == 4 {
			return nil, nil, 0, errJWE
		}
		return nil, nil, 0, errSegments
	}
	if d2 == len(raw)-1 {
		return nil, nil, 0, errUnsigned
	}
	var h header
	hb, err := b64.DecodeString(raw[:d1])
	if err != nil {
		return nil, nil, 0, errHeaderB64
	}
	if err := decodeHeader(hb, &h); err != nil {
		return nil, nil, 0, err
	}
	if err := v.checkHeader(&h); err != nil {
		return nil, nil, 0, err
	}
	payload, err := b64.DecodeString(raw[d1+1 : d2])
	if err != nil {
		return nil, nil, 0, errPayloadB64
	}
	c := new(claims)
	if err := decode(payload, c); err != nil {
		return nil, nil, 0, err
	}
	sig, err := b64.DecodeString(raw[d2+1:])
	if err != nil {
		return nil, nil, 0, errSigB64
	}
	p, err := v.provider(c, payload)
	if err != nil {
		return nil, nil, 0, err
	}
	if ks, gen, err = v.checkSignature(ctx, p, &h, []byte(raw[:d2]), sig); err != nil {
		return nil, nil, 0, err
	}
	t, err := newToken(raw, &h, payload, c)
	if err != nil {
		return nil, nil, 0, err
	}
	t.trust = p.md.Issuer
	return t, ks, gen, nil
}

func (v *Verifier) checkHeader(h *header) error {
	switch {
	case h.Enc != "":
		return errJWE
	case h.Alg == "" || strings.EqualFold(h.Alg, "none"):
		return errAlgNone
	case !slices.Contains(v.algs, h.Alg):
		return errAlg
	case h.Crit:
		// No JWS extension is understood here, so any crit is unknown
		// (RFC 7515 §4.1.11); an empty or malformed crit is invalid anyway.
		return errCrit
	case h.B64:
		return errB64
	case v.typ != "" && normalizeType(h.Typ) != v.typ:
		return errType
	}
	return nil
}

// checkSignature verifies sig over input with the issuer's candidate keys.
func (v *Verifier) checkSignature(ctx context.Context, p *Provider, h *header, input, sig []byte) (*keySet, uint64, error) {
	if slices.Contains(hmacAlgorithms, h.Alg) {
		if jwsbb.Verify(v.hmacKey, h.Alg, input, sig) != nil {
			return nil, 0, errSignature
		}
		return nil, 0, nil
	}
	if p.keys == nil {
		return nil, 0, errNoKey
	}
	snap, keys, err := p.keys.lookup(ctx, h.Kid, h.Alg, v.wide)
	if err != nil {
		return nil, 0, err
	}
	for _, k := range keys {
		if k.verify(h.Alg, input, sig) {
			return p.keys, snap.gen, nil
		}
	}
	return nil, 0, errSignature
}

// checkTimes enforces exp (required), nbf and iat with leeway.
func (v *Verifier) checkTimes(t *Token) error {
	now := v.now()
	switch {
	case t.Expiry.IsZero():
		return errNoExp
	case !now.Before(t.Expiry.Add(v.leeway)):
		return errExpiredToken
	}
	return v.checkNotBefore(t, now)
}

// checkNotBefore enforces nbf and iat with leeway.
func (v *Verifier) checkNotBefore(t *Token, now time.Time) error {
	switch {
	case !t.NotBefore.IsZero() && now.Add(v.leeway).Before(t.NotBefore):
		return errNotYet
	case !t.IssuedAt.IsZero() && now.Add(v.leeway).Before(t.IssuedAt):
		return errIatFuture
	}
	return nil
}

// normalizeType lowercases a typ and drops an "application/" prefix
// (RFC 7515 §4.1.9).
func normalizeType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

func containsAny(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// b64 decodes JWS segments: base64url, no padding, canonical (Strict).
var b64 = base64.RawURLEncoding.Strict()
