package endpoint

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/verify"
)

// jwtBearer is client_assertion_type for private_key_jwt (RFC 7523 §2.2).
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Assertion makes the client assertions of one client (verify.ClientKey):
// a fresh jti per request.
type Assertion struct {
	key      verify.ClientKey
	clientID string
	aud      string
	now      func() time.Time
}

// NewAssertion checks a config's client authentication settings and, for
// PrivateKeyJWT, returns the assertion maker (nil for the secret styles),
// whose default aud is tokenURL. field is the config's name in errors.
func NewAssertion(field string, style verify.AuthStyle, k verify.ClientKey, clientID, tokenURL string) (*Assertion, error) {
	if err := style.Check(k); err != nil {
		return nil, errors.New(field + "." + err.Error())
	}
	if style != verify.PrivateKeyJWT {
		return nil, nil
	}
	return &Assertion{key: k, clientID: clientID, aud: tokenURL, now: time.Now}, nil
}

// Authenticate sets form's client authentication: client_id and a fresh
// assertion; any client_secret is removed.
func (a *Assertion) Authenticate(form url.Values) error {
	s, err := a.key.Assertion(a.clientID, a.aud, a.now())
	if err != nil {
		return err
	}
	form.Del("client_secret")
	form.Set("client_id", a.clientID)
	form.Set("client_assertion_type", jwtBearer)
	form.Set("client_assertion", s)
	return nil
}

// Wrap returns a copy of c (which has a timeout) whose form posts carry a
// fresh assertion each: x/oauth2 builds the token requests (code exchange,
// refresh, client credentials, token exchange) and keeps its parameters
// fixed, so the assertion goes in on the way out. c must serve token
// requests only. A nil Assertion returns c.
func (a *Assertion) Wrap(c *http.Client) *http.Client {
	if a == nil {
		return c
	}
	return WithFormAuth(c, a.Authenticate)
}

// OAuth2Style is the x/oauth2 style that carries s: in the header for
// ClientSecretBasic, in the form otherwise (a private_key_jwt request has
// no secret for x/oauth2 to send; Assertion adds its own).
func OAuth2Style(s verify.AuthStyle) oauth2.AuthStyle {
	if s == verify.ClientSecretPost || s == verify.PrivateKeyJWT {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// FormAuth sets a token request's client authentication in its form.
type FormAuth func(form url.Values) error

// WithFormAuth returns a copy of c whose form posts are authenticated by f
// each, as they go out.
func WithFormAuth(c *http.Client, f FormAuth) *http.Client {
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = &assertingTransport{auth: f, base: base}
	return &cc
}

// assertingTransport authenticates each form POST anew: a fresh client
// assertion, or the current client secret.
type assertingTransport struct {
	auth FormAuth
	base http.RoundTripper
}

// maxTokenForm bounds the token request bodies read back to add an
// assertion: ours, never more than a few KiB.
const maxTokenForm = 64 << 10

func (t *assertingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || req.Body == nil {
		return t.base.RoundTrip(req)
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, maxTokenForm+1))
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil || len(b) > maxTokenForm {
		return nil, errors.New("gatehouse: a token request's form could not be read back to add the client assertion")
	}
	if err := t.auth(form); err != nil {
		return nil, err
	}
	body := form.Encode()
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	return t.base.RoundTrip(r)
}
