package middleware

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ClientKey is the key a client authenticates with when its AuthStyle is
// PrivateKeyJWT (RFC 7523 §2.2, OpenID Connect Core §9).
type ClientKey struct {
	// Signer is the private key; its public key is the one registered at
	// the provider (the client's jwks or jwks_uri). RSA of at least 2048
	// bits signs RS256, ECDSA ES256, ES384 or ES512 by curve, Ed25519
	// EdDSA.
	Signer crypto.Signer
	// KeyID, when set, is sent as the assertion's kid header: the key's
	// ID in the registered key set.
	KeyID string
	// Audience is the assertion's aud. Default the token endpoint URL
	// (OpenID Connect Core §9), also used at the revocation and pushed
	// authorization request endpoints; some providers want their issuer.
	Audience string
}

// jwtBearer is client_assertion_type for private_key_jwt (RFC 7523 §2.2).
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is each client assertion's exp - iat: one request's
// worth, so a captured assertion is soon useless.
const assertionLifetime = time.Minute

// assertion makes the client assertions of one client: a fresh jti per
// request.
type assertion struct {
	jwsKey
	header   string // the protected header, base64url
	clientID string
	aud      string
	now      func() time.Time
}

// newAssertion checks a config's client authentication settings and, for
// PrivateKeyJWT, returns the assertion maker (nil for the secret styles).
// field is the config's name in errors.
func newAssertion(field string, style AuthStyle, k ClientKey, clientID, tokenURL string) (*assertion, error) {
	if err := style.check(field + ".AuthStyle"); err != nil {
		return nil, err
	}
	switch {
	case style != PrivateKeyJWT && (k.Signer != nil || k.KeyID != "" || k.Audience != ""):
		return nil, errors.New("middleware: " + field + ".ClientKey is set but AuthStyle is not PrivateKeyJWT")
	case style != PrivateKeyJWT:
		return nil, nil
	case k.Signer == nil:
		return nil, errors.New("middleware: " + field + ".AuthStyle PrivateKeyJWT needs ClientKey.Signer")
	}
	jk, err := newJWSKey(k.Signer, "RS256", field+".ClientKey.Signer")
	if err != nil {
		return nil, err
	}
	h, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid,omitempty"`
		Typ string `json:"typ"`
	}{jk.alg, k.KeyID, "JWT"})
	a := &assertion{jwsKey: jk, header: base64.RawURLEncoding.EncodeToString(h), clientID: clientID, aud: k.Audience, now: time.Now}
	if a.aud == "" {
		a.aud = tokenURL
	}
	return a, nil
}

// sign returns a fresh assertion: iss and sub the client ID, aud, a random
// jti, iat now and exp a minute later.
func (a *assertion) sign() (string, error) {
	now := a.now()
	return a.jwt(a.header, struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		JTI string `json:"jti"`
		IAT int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}{a.clientID, a.clientID, a.aud, rand.Text(), now.Unix(), now.Add(assertionLifetime).Unix()})
}

// jwt signs claims under header (base64url) as a compact JWS.
func (k *jwsKey) jwt(header string, claims any) (string, error) {
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := header + "." + base64.RawURLEncoding.EncodeToString(c)
	sig, err := k.signature([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// authenticate sets form's client authentication: client_id and a fresh
// assertion; any client_secret is removed.
func (a *assertion) authenticate(form url.Values) error {
	s, err := a.sign()
	if err != nil {
		return err
	}
	form.Del("client_secret")
	form.Set("client_id", a.clientID)
	form.Set("client_assertion_type", jwtBearer)
	form.Set("client_assertion", s)
	return nil
}

// wrap returns a copy of c (which has a timeout) whose form posts carry a
// fresh assertion each: x/oauth2 builds the token requests (code exchange,
// refresh, client credentials, token exchange) and keeps its parameters
// fixed, so the assertion goes in on the way out. c must serve token
// requests only.
func (a *assertion) wrap(c *http.Client) *http.Client {
	if a == nil {
		return c
	}
	return withFormAuth(c, a.authenticate)
}

// formAuth sets a token request's client authentication in its form.
type formAuth func(form url.Values) error

// withFormAuth returns a copy of c whose form posts are authenticated by f
// each, as they go out.
func withFormAuth(c *http.Client, f formAuth) *http.Client {
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
	auth formAuth
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
		return nil, errors.New("middleware: a token request's form could not be read back to add the client assertion")
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
