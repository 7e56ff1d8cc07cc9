package verify

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
	"github.com/go-json-experiment/json"
)

// maxBody caps every document read from a provider: discovery, metadata and
// key sets.
const maxBody = 1 << 20

// defaultTimeout bounds every outbound call when the caller's HTTP client has
// no timeout of its own.
const defaultTimeout = 10 * time.Second

// Metadata is a provider's published configuration (OpenID Connect Discovery
// 1.0 and RFC 8414). Only the fields Gatehouse uses are named; Raw keeps the
// whole document.
type Metadata struct {
	Issuer                                     string   `json:"issuer"`                                                   // the issuer identifier, compared exactly with the one asked for
	AuthorizationEndpoint                      string   `json:"authorization_endpoint,omitempty"`                         // where the browser is sent to sign in
	TokenEndpoint                              string   `json:"token_endpoint,omitempty"`                                 // where codes, refresh tokens and client credentials are exchanged
	UserinfoEndpoint                           string   `json:"userinfo_endpoint,omitempty"`                              // the claims of the signed-in user
	JWKSURI                                    string   `json:"jwks_uri,omitempty"`                                       // the provider's signing keys
	EndSessionEndpoint                         string   `json:"end_session_endpoint,omitempty"`                           // RP-initiated logout
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`                            // RFC 7009 token revocation
	IntrospectionEndpoint                      string   `json:"introspection_endpoint,omitempty"`                         // RFC 7662 token introspection
	ScopesSupported                            []string `json:"scopes_supported,omitempty"`                               // the scopes the provider knows
	ResponseTypesSupported                     []string `json:"response_types_supported,omitempty"`                       // the response types it supports
	GrantTypesSupported                        []string `json:"grant_types_supported,omitempty"`                          // the grants it supports
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported,omitempty"`          // the algorithms its ID tokens may be signed with
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`               // the PKCE methods it supports
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported,omitempty"`          // the client authentication methods it accepts
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported,omitempty"` // RFC 9207: callbacks carry iss
	BackchannelLogoutSupported                 bool     `json:"backchannel_logout_supported,omitempty"`                   // OpenID Connect Back-Channel Logout
	BackchannelLogoutSessionSupported          bool     `json:"backchannel_logout_session_supported,omitempty"`           // logout tokens carry sid
	// PushedAuthorizationRequestEndpoint and RequirePushedAuthorizationRequests
	// are RFC 9126 §5's.
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests,omitempty"`

	// Raw is the document as received; nil for metadata given by hand.
	Raw stdjson.RawMessage `json:"-"`
}

// ProviderConfig configures a Provider. Only Issuer is required.
type ProviderConfig struct {
	// Issuer is the exact issuer identifier: the iss of every token the
	// provider signs, and the base of its discovery document.
	Issuer string

	// Metadata, when non-nil, is used as it is and nothing is discovered:
	// for plain OAuth 2.0 providers or providers without a discovery
	// document. Its Issuer must equal Issuer (or be empty).
	Metadata *Metadata

	// HTTPClient makes every request to the provider. Default: a client
	// with a 10 s timeout. A client without a timeout gets one per request.
	HTTPClient *http.Client

	// KeyRefreshMin and KeyRefreshMax bound the periodic key-set refresh,
	// which otherwise follows the JWKS response's Cache-Control max-age.
	// Defaults: 15 minutes and 24 hours.
	KeyRefreshMin, KeyRefreshMax time.Duration

	// KeyMissInterval is the least time between two key-set fetches caused
	// by tokens naming an unknown kid (a key rotated in), after a fetch
	// that succeeded. Default 30 s. Unknown kids inside the window are
	// rejected at once (ErrInvalid), never queued. After a fetch that
	// failed, the next one may start 1 s later, then every 2 s while they
	// keep failing (never more often than KeyMissInterval), and unknown
	// kids meanwhile get ErrUnavailable: the token may be signed with a key
	// that could not be fetched.
	KeyMissInterval time.Duration

	// Logger receives what goes wrong with the provider's key set: every
	// key Gatehouse does not use, with the reason. A key published with
	// private members (d, p, q, dp, dq, qi, oth, k) is logged at Error as a
	// provider misconfiguration; keys merely of no use here (use "enc", an
	// unknown kty) at Debug; others (too short, x5c of another key, key_ops
	// without verify) at Warn. Each fetched set is logged once; key
	// material never is. Every failed fetch is logged at Warn (the last
	// good keys stay in use). Default slog.Default().
	Logger *slog.Logger

	// IssuerTemplate, when set, makes the provider multi-tenant: its
	// metadata must publish exactly IssuerTemplate.Template as issuer, and
	// each token's issuer is that template filled with the token's own
	// tenant ID (see IssuerTemplate). Issuer is then the address discovery
	// starts from, e.g. "https://login.microsoftonline.com/organizations/v2.0".
	// Without it a templated issuer in the metadata fails with ErrMetadata.
	IssuerTemplate *IssuerTemplate

	// IssuerAliases are other spellings of Issuer that the provider
	// documents for the iss of its tokens, each compared exactly: Google's
	// ID tokens carry "accounts.google.com" or "https://accounts.google.com".
	// Only for a provider that documents them; not with IssuerTemplate.
	IssuerAliases []string

	// InsecureAllowHTTP accepts http:// issuer and endpoint URLs on hosts
	// other than loopback. Safe only on a private network you control;
	// loopback hosts (127.0.0.0/8, ::1, localhost) are always allowed.
	InsecureAllowHTTP bool

	// Observer, when set, gets one observe.KeyFetch event per fetch of the
	// key set (the first, each background refresh, each caused by an
	// unknown kid): OK with Count, the usable keys, or Failed with Reason
	// "unreachable" (no answer), "status" (not 200) or "refused" (not a
	// usable JWK Set); Duration always. Failures are also logged at Warn
	// to Logger.
	Observer observe.Observer
}

// Provider is one trusted issuer: its metadata and its signing keys, kept
// fresh in the background. Create it with Discover or NewProvider; it is safe
// for concurrent use. Close it when done to stop the key refresh.
type Provider struct {
	md      Metadata
	client  *http.Client
	keys    *keySet  // nil when the provider publishes no jwks_uri
	tenants *tenants // nil unless the provider has an IssuerTemplate
	aliases []string // ProviderConfig.IssuerAliases
}

// Discover fetches the issuer's OpenID Connect discovery document
// (/.well-known/openid-configuration), falling back to RFC 8414 metadata
// (/.well-known/oauth-authorization-server), checks that its issuer equals
// issuer exactly, and starts the key-set cache. c may be nil.
//
// Errors match ErrUnavailable (the provider could not be reached or answered
// 5xx) or ErrMetadata (the document is unusable).
func Discover(ctx context.Context, issuer string, c *http.Client) (*Provider, error) {
	return NewProvider(ctx, ProviderConfig{Issuer: issuer, HTTPClient: c})
}

// NewProvider creates a Provider from cfg, discovering its metadata unless
// cfg.Metadata is set.
func NewProvider(ctx context.Context, cfg ProviderConfig) (*Provider, error) {
	if err := checkURL("issuer", cfg.Issuer, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	client := httpClient(cfg.HTTPClient)
	var md Metadata
	if cfg.Metadata != nil {
		md = *cfg.Metadata
		if md.Issuer == "" {
			md.Issuer = cfg.Issuer
		}
	} else {
		var err error
		if md, err = discover(ctx, client, cfg.Issuer); err != nil {
			return nil, err
		}
	}
	var tn *tenants
	if cfg.IssuerTemplate != nil {
		if cfg.Metadata != nil && cfg.Metadata.Issuer == "" {
			md.Issuer = cfg.IssuerTemplate.Template
		}
		var err error
		if tn, err = newTenants(cfg.IssuerTemplate, md.Issuer, cfg.InsecureAllowHTTP); err != nil {
			return nil, err
		}
	} else if md.Issuer != cfg.Issuer {
		return nil, fmt.Errorf("%w: issuer %q in the metadata differs from the configured issuer %q", ErrMetadata, md.Issuer, cfg.Issuer)
	}
	for _, e := range []struct{ name, u string }{
		{"authorization_endpoint", md.AuthorizationEndpoint},
		{"token_endpoint", md.TokenEndpoint},
		{"userinfo_endpoint", md.UserinfoEndpoint},
		{"jwks_uri", md.JWKSURI},
		{"end_session_endpoint", md.EndSessionEndpoint},
		{"revocation_endpoint", md.RevocationEndpoint},
		{"introspection_endpoint", md.IntrospectionEndpoint},
		{"pushed_authorization_request_endpoint", md.PushedAuthorizationRequestEndpoint},
	} {
		if e.u == "" {
			continue
		}
		if err := checkURL(e.name, e.u, cfg.InsecureAllowHTTP); err != nil {
			return nil, err
		}
	}
	if len(cfg.IssuerAliases) > 0 && tn != nil {
		return nil, fmt.Errorf("%w: IssuerAliases with an IssuerTemplate", ErrMetadata)
	}
	for _, a := range cfg.IssuerAliases {
		if a == "" || a == md.Issuer {
			return nil, fmt.Errorf("%w: issuer alias %q is empty or the issuer itself", ErrMetadata, a)
		}
	}
	p := &Provider{md: md, client: client, tenants: tn, aliases: slices.Clone(cfg.IssuerAliases)}
	if md.JWKSURI != "" {
		ks, err := newKeySet(md.JWKSURI, md.Issuer, client, cfg)
		if err != nil {
			return nil, err
		}
		p.keys = ks
	}
	return p, nil
}

// Metadata returns a copy of the provider's metadata.
func (p *Provider) Metadata() Metadata { return p.md }

// Issuer returns the provider's issuer identifier (its IssuerTemplate's
// Template for a multi-tenant provider).
func (p *Provider) Issuer() string { return p.md.Issuer }

// HTTPClient returns the client the provider uses for its own requests.
func (p *Provider) HTTPClient() *http.Client { return p.client }

// Close stops the background key refresh. A closed Provider still verifies
// with the keys it last fetched.
func (p *Provider) Close() {
	if p.keys != nil {
		p.keys.close()
	}
}

// discover tries OpenID discovery, then RFC 8414.
func discover(ctx context.Context, client *http.Client, issuer string) (Metadata, error) {
	oidc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	md, status, err := fetchMetadata(ctx, client, oidc)
	if err == nil || status < 400 || status >= 500 {
		return md, err
	}
	// RFC 8414 §3.1: the well-known segment goes between host and path.
	u, _ := url.Parse(issuer) // already validated
	u.Path = "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
	md, _, err2 := fetchMetadata(ctx, client, u.String())
	if err2 != nil {
		return Metadata{}, fmt.Errorf("%w (OpenID discovery: %v)", err2, err)
	}
	return md, nil
}

// fetchMetadata GETs one metadata document. status is the HTTP status, or 0
// when no response came.
func fetchMetadata(ctx context.Context, client *http.Client, u string) (Metadata, int, error) {
	body, status, err := getJSON(ctx, client, u)
	if err != nil {
		return Metadata{}, status, err
	}
	var md Metadata
	if err := checkNames(body, metadataNames, true); err != nil {
		return Metadata{}, status, fmt.Errorf("%w: %s: %w", ErrMetadata, u, err)
	}
	if err := json.Unmarshal(body, &md); err != nil {
		return Metadata{}, status, fmt.Errorf("%w: %s is not a JSON metadata document", ErrMetadata, u)
	}
	md.Raw = body
	return md, status, nil
}

// getJSON GETs u with a bounded read. Network failures and 5xx match
// ErrUnavailable; other non-200 statuses match ErrMetadata.
func getJSON(ctx context.Context, client *http.Client, u string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: bad URL %q", ErrMetadata, u)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: GET %s: %w", ErrUnavailable, u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return nil, resp.StatusCode, fmt.Errorf("%w: reading %s: %w", ErrUnavailable, u, err)
	case resp.StatusCode >= 500:
		return nil, resp.StatusCode, fmt.Errorf("%w: GET %s answered %d", ErrUnavailable, u, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, resp.StatusCode, fmt.Errorf("%w: GET %s answered %d", ErrMetadata, u, resp.StatusCode)
	case len(body) > maxBody:
		return nil, resp.StatusCode, fmt.Errorf("%w: %s is larger than %d bytes", ErrMetadata, u, maxBody)
	}
	return body, resp.StatusCode, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// httpClient returns c, or a default, always with a timeout.
func httpClient(c *http.Client) *http.Client {
	if c == nil {
		return &http.Client{Timeout: defaultTimeout}
	}
	if c.Timeout == 0 {
		cc := *c
		cc.Timeout = defaultTimeout
		return &cc
	}
	return c
}

// checkURL requires an absolute https URL, or http on a loopback host.
func checkURL(what, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: %s %q is not an absolute URL", ErrMetadata, what, raw)
	}
	if u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: %s %q must not carry a fragment or user info", ErrMetadata, what, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowHTTP || IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s %q must use https (http is allowed only for loopback hosts)", ErrMetadata, what, raw)
	}
	return fmt.Errorf("%w: %s %q must use https", ErrMetadata, what, raw)
}

// IsLoopback reports whether host (without port) names the local machine:
// localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
