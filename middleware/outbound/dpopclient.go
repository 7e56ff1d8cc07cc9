package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

// DPoP for the machine-to-machine client (Config.DPoPKey): token
// requests and API requests carry a proof, and a server that asks for a
// nonce (RFC 9449 §8: 400 use_dpop_nonce from the token endpoint, §9: 401
// with error="use_dpop_nonce" from an API) gets the request once more with
// it.

// scheme is the Authorization scheme and the token_type expected.
func (t *Transport) scheme() string {
	if t.dpop != nil {
		return "DPoP"
	}
	return "Bearer"
}

// send sends a copy of req with tok and body; with DPoP, a proof too, and
// once more with the API's nonce when it asks for one and body can be sent
// again.
func (t *Transport) send(req *http.Request, tok *cachedToken, body io.ReadCloser) (*http.Response, error) {
	r := withBearer(req, tok, body)
	if t.dpop == nil {
		return t.base.RoundTrip(r)
	}
	if err := t.dpop.sign(r, tok.token); err != nil {
		closeBody(r)
		return nil, err
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil || !t.dpop.noteNonce(r, resp) || resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
		return resp, err
	}
	again, ok := replayBody(req)
	if !ok {
		return resp, nil
	}
	drain(resp)
	r = withBearer(req, tok, again)
	if err := t.dpop.sign(r, tok.token); err != nil {
		closeBody(r)
		return nil, err
	}
	return t.base.RoundTrip(r)
}

// replayBody returns a fresh copy of req's body for a second send.
func replayBody(req *http.Request) (io.ReadCloser, bool) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return req.Body, true
	case req.GetBody == nil:
		return nil, false
	}
	b, err := req.GetBody()
	return b, err == nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// withDPoPTokenClient returns fetch with its token requests sent through
// dpopTokenTransport: the HTTP client in ctx (oauth2.HTTPClient) is copied
// with its transport wrapped.
func withDPoPTokenClient(s *dpopSigner, fetch func(context.Context) (*oauth2.Token, error)) func(context.Context) (*oauth2.Token, error) {
	return func(ctx context.Context) (*oauth2.Token, error) {
		hc, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
		if hc == nil {
			hc = http.DefaultClient
		}
		c := *hc
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = &dpopTokenTransport{s: s, base: base}
		return fetch(context.WithValue(ctx, oauth2.HTTPClient, &c))
	}
}

// dpopTokenTransport adds a proof to token requests and sends a request
// once more with the nonce the token endpoint asks for.
type dpopTokenTransport struct {
	s    *dpopSigner
	base http.RoundTripper
}

func (d *dpopTokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if err := d.s.sign(r, ""); err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := d.base.RoundTrip(r)
	if err != nil || !d.s.noteNonce(r, resp) || resp.StatusCode != http.StatusBadRequest || !isUseNonce(resp) {
		return resp, err
	}
	again, ok := replayBody(req)
	if !ok {
		return resp, nil
	}
	drain(resp)
	r = req.Clone(req.Context())
	r.Body = again
	if err := d.s.sign(r, ""); err != nil {
		closeBody(r)
		return nil, err
	}
	return d.base.RoundTrip(r)
}

// isUseNonce reports whether a token endpoint's error answer is
// use_dpop_nonce, leaving the body readable.
func isUseNonce(resp *http.Response) bool {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	var e struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(head, &e) == nil && e.Error == "use_dpop_nonce"
}
