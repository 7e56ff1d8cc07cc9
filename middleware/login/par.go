package login

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
)

// authorizationURL is where Login sends the browser: the authorization
// request itself or, with pushed authorization requests, the authorization
// endpoint with only client_id and the request_uri the provider answered
// (RFC 9126 §4). Pushing keeps the parameters out of the browser, where
// they could be read or altered, and lets the provider check them against
// the authenticated client before the user sees a page.
func (a *Auth) authorizationURL(ctx context.Context, state string, opts []oauth2.AuthCodeOption) (string, error) {
	full := a.oauth.AuthCodeURL(state, opts...)
	if !a.par {
		return full, nil
	}
	u, err := url.Parse(full)
	if err != nil {
		return "", fmt.Errorf("%w: %w", verify.ErrProvider, err)
	}
	requestURI, err := a.pushAuthorizationRequest(ctx, u.Query())
	if err != nil {
		return "", err
	}
	// The endpoint's own query parameters stay; the request's are pushed.
	base, err := url.Parse(a.md.AuthorizationEndpoint)
	if err != nil {
		return "", fmt.Errorf("%w: %w", verify.ErrProvider, err)
	}
	q := base.Query()
	q.Set("client_id", a.c.ClientID)
	q.Set("request_uri", requestURI)
	base.RawQuery = q.Encode()
	return base.String(), nil
}

// parAnswer is RFC 9126 §2.2's success answer.
type parAnswer struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// pushAuthorizationRequest posts params to the pushed authorization request
// endpoint, authenticated as the client, and returns the request_uri.
func (a *Auth) pushAuthorizationRequest(ctx context.Context, params url.Values) (string, error) {
	resp, err := a.postAuthenticated(ctx, a.md.PushedAuthorizationRequestEndpoint, params)
	if err != nil {
		return "", fmt.Errorf("%w: pushed authorization request: %w", verify.ErrProvider, unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("%w: pushed authorization request: %w", verify.ErrProvider, err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		pe := &verify.ProviderError{Status: resp.StatusCode, Code: "par_failed"}
		var e struct {
			Code        string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &e) == nil && e.Code != "" {
			pe.Code, pe.Description = endpoint.Printable(e.Code, 64), e.Description
		}
		return "", endpoint.Redact(pe, a.secret())
	}
	var ans parAnswer
	if err := json.Unmarshal(body, &ans); err != nil || ans.RequestURI == "" || ans.ExpiresIn <= 0 {
		return "", fmt.Errorf("%w: the pushed authorization request endpoint's answer has no request_uri and expires_in", verify.ErrProvider)
	}
	return ans.RequestURI, nil
}

// postAuthenticated posts form to endpoint with the client's authentication
// (Config.AuthStyle), as the token endpoint gets it.
func (a *Auth) postAuthenticated(ctx context.Context, endpoint string, form url.Values) (*http.Response, error) {
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	switch {
	case a.formAuth != nil:
		if err := a.formAuth(form); err != nil {
			return nil, err
		}
	case a.c.AuthStyle == verify.ClientSecretPost:
		form.Set("client_id", a.c.ClientID)
		form.Set("client_secret", a.c.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if a.c.AuthStyle == verify.ClientSecretBasic {
		req.SetBasicAuth(url.QueryEscape(a.c.ClientID), url.QueryEscape(a.c.ClientSecret))
	}
	return a.client.Do(req)
}
