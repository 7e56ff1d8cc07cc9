package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// Callback completes a login at the redirect URL: it finds the flow by state
// (used once), checks the provider's answer (error, RFC 9207 iss), exchanges
// the code with the PKCE verifier, verifies the ID token fully, fetches
// userinfo when configured, and saves the session under a fresh ID before
// redirecting to the flow's return_to path. A callback with no flow tells a
// missing flow cookie (its page names the hosts) from a stale state, and
// sends a browser that is signed in already (Back, reload) on to "/". The
// error pages of a known flow offer to sign in again toward its return_to.
// With FormPost the provider's POST is relayed to a GET of RedirectURL,
// which finishes the login with the session cookie at hand (formpost.go).
func (a *Auth) Callback(w http.ResponseWriter, r *http.Request) {
	r = a.step(r, observe.Login)
	q, ok := a.callbackParams(w, r)
	if !ok {
		return
	}
	for _, k := range []string{"access_token", "id_token", "token", "refresh_token"} {
		if q.Has(k) {
			a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
				Message: "Tokens in the callback URL are refused (only the authorization code flow is supported).", Err: ErrLoginRequest})
			return
		}
	}
	// A parameter given twice could mean one value to us and another to a
	// proxy, a log or the provider: refused before the flow is used.
	for _, k := range []string{"state", "code", "iss", "error"} {
		if len(q[k]) > 1 {
			a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
				Message: "The sign-in response repeats a parameter.", Err: fmt.Errorf("%w: %q given %d times", ErrLoginRequest, k, len(q[k]))})
			return
		}
	}
	f, err := a.takeFlow(w, r, q.Get("state"))
	if err != nil || f.Provider != a.c.Name {
		if a.c.FormPost && r.Method == http.MethodPost && errors.Is(err, session.ErrNoFlow) {
			a.toRelayStep(w, r, q.Get("state")) // refused there, with the session cookie at hand
			return
		}
		a.noFlow(w, r, err)
		return
	}
	if a.c.FormPost { // the provider's POST goes on in a same-site GET
		if q, ok = a.relay(w, r, f, q); !ok {
			return
		}
	}
	// From here on, "Try again" restarts the login toward the page the
	// user wanted.
	fail := func(e *AuthError) {
		e.Retry = a.loginURL(f.ReturnTo)
		a.fail(w, r, e)
	}
	// RFC 9207: the response must come from the provider this flow went to.
	if iss, has := q.Get("iss"), q.Has("iss"); (has && !a.c.Provider.Accepts(iss)) || (!has && a.md.AuthorizationResponseIssParameterSupported) {
		fail(&AuthError{Status: http.StatusBadRequest, Code: "invalid_issuer",
			Message: "The sign-in response did not come from the expected provider.", Err: ErrLoginRequest})
		return
	}
	if q.Get("error") != "" {
		fail(a.deniedError(q))
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(&AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
			Message: "The sign-in response carries no authorization code.", Err: ErrLoginRequest})
		return
	}
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(f.Verifier), oauth2.SetAuthURLParam("redirect_uri", a.redirectURL(r))}
	for k, vs := range a.c.TokenParams { // checked by New
		if len(vs) > 0 {
			opts = append(opts, oauth2.SetAuthURLParam(k, vs[0]))
		}
	}
	tok, err := a.oauth.Exchange(a.ctx(r.Context()), code, opts...)
	if err != nil {
		fail(a.providerError(endpoint.Explain(a.c.AuthStyle, endpoint.Redact(endpoint.ProviderFailure(err), a.secret()))))
		return
	}
	s, err := a.sessionFrom(r.Context(), tok, f.Nonce)
	if err != nil {
		fail(a.providerError(err))
		return
	}
	if a.c.FormPost && q.Has("user") {
		addPostedName(s, q.Get("user")) // Sign in with Apple's first authorization
	}
	if a.c.AfterLogin != nil {
		if err := a.c.AfterLogin(r.Context(), s); err != nil {
			fail(&AuthError{Status: http.StatusForbidden, Code: "access_denied",
				Message: "This account may not sign in here.", Err: fmt.Errorf("%w: %w", ErrLoginDenied, err)})
			return
		}
	}
	if err := a.c.Sessions.Login(w, r, s); err != nil {
		fail(&AuthError{Status: http.StatusServiceUnavailable, Code: "session_unavailable",
			Message: "Your session could not be saved; please try again shortly.", Err: fmt.Errorf("%w: %w", ErrSessionStore, err)})
		return
	}
	a.log.LogAttrs(r.Context(), -4, "gatehouse: login", attrSub(s))
	a.report(r.Context(), observe.Event{Kind: observe.Login, Outcome: observe.OK})
	returnTo, ok := SafeReturnTo(f.ReturnTo)
	if !ok {
		returnTo = "/"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// providerError is the answer to a failed token or userinfo exchange.
func (a *Auth) providerError(err error) *AuthError {
	e := &AuthError{Status: http.StatusBadGateway, Code: "provider_error",
		Message: "The identity provider could not complete the sign-in. Please try again.", Err: err}
	var pe *verify.ProviderError
	switch {
	case errors.As(err, &pe) && pe.Code != "":
		e.Code = pe.Code
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Status, e.Code = http.StatusGatewayTimeout, "provider_timeout"
		e.Message = "The identity provider did not answer in time. Please try again."
	case errors.Is(err, endpoint.ErrTokenRejected):
		e.Code = "invalid_id_token"
		e.Message = "The identity provider's answer failed verification."
	}
	return e
}

// deniedError is the answer to a provider's error response: its code, and
// its description for the page and the log, cleaned (the client secret
// removed, printable characters only, capped).
func (a *Auth) deniedError(q url.Values) *AuthError {
	var pe *verify.ProviderError
	errors.As(endpoint.Redact(&verify.ProviderError{Code: q.Get("error"), Description: q.Get("error_description")}, a.secret()), &pe)
	e := &AuthError{Status: http.StatusForbidden, Code: pe.Code,
		Message: "The identity provider did not complete the sign-in.",
		Err:     fmt.Errorf("%w: the provider answered error=%q error_description=%q", ErrLoginDenied, pe.Code, pe.Description)}
	if pe.Code == "access_denied" {
		e.Message = "The sign-in was cancelled, or refused at the identity provider."
	}
	if pe.Description != "" {
		e.Message += " It said: \u201c" + endpoint.Printable(pe.Description, 200) + "\u201d."
	}
	return e
}

// sessionFrom builds the session of a login from the token response.
func (a *Auth) sessionFrom(ctx context.Context, tok *oauth2.Token, nonce string) (*session.Session, error) {
	if err := endpoint.CheckTokenType(tok, "Bearer"); err != nil {
		return nil, err
	}
	s := &session.Session{
		Issuer: a.md.Issuer, Provider: a.c.Name,
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
	}
	s.Issued, s.Expiry = a.tokenTimes(tok)
	var claims map[string]any
	if a.openid {
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return nil, fmt.Errorf("%w: %w: the token response has no id_token", verify.ErrProvider, endpoint.ErrTokenRejected)
		}
		idt, err := a.verifier.VerifyIDToken(ctx, raw, nonce)
		if err == nil {
			err = idt.CheckAccessTokenHash(tok.AccessToken)
		}
		if err == nil {
			err = a.checkAuthTime(idt)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w: %w", verify.ErrProvider, endpoint.ErrTokenRejected, err)
		}
		if err := idt.Claims(&claims); err != nil {
			return nil, fmt.Errorf("%w: %w", verify.ErrProvider, err)
		}
		// A multi-tenant provider's session keeps the tenant's own issuer.
		s.Issuer, s.Subject, s.IDToken, s.SID = idt.Issuer, idt.Subject, raw, idt.SessionID
	}
	if a.c.FetchUserinfo || !a.openid {
		info, err := a.userinfo(ctx, tok.AccessToken)
		if err != nil {
			return nil, err
		}
		sub := claimString(info[a.c.SubjectClaim])
		switch {
		case sub == "":
			return nil, fmt.Errorf("%w: %w: userinfo has no %q claim", verify.ErrProvider, endpoint.ErrTokenRejected, a.c.SubjectClaim)
		case a.openid && sub != s.Subject:
			return nil, fmt.Errorf("%w: %w: userinfo sub differs from the ID token's", verify.ErrProvider, endpoint.ErrTokenRejected)
		}
		s.Subject = sub
		if claims == nil {
			claims = map[string]any{}
		}
		for k, v := range info {
			claims[k] = v
		}
		claims["sub"] = sub
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrProvider, err)
	}
	s.Claims = b
	return s, nil
}

// userinfo fetches the userinfo endpoint (bounded read).
func (a *Auth) userinfo(ctx context.Context, accessToken string) (map[string]any, error) {
	if a.md.UserinfoEndpoint == "" {
		return nil, fmt.Errorf("%w: the provider has no userinfo endpoint", verify.ErrProvider)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.md.UserinfoEndpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrProvider, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: userinfo: %w", verify.ErrProvider, unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: userinfo: %w", verify.ErrProvider, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &verify.ProviderError{Status: resp.StatusCode, Code: "userinfo_failed"}
	}
	// Duplicate names and case variants of claim names (a second "SUB")
	// are refused before encoding/json, which would let the last one win.
	if err := verify.CheckClaimsJSON(body, a.c.SubjectClaim); err != nil {
		return nil, fmt.Errorf("%w: %w: userinfo: %w", verify.ErrProvider, endpoint.ErrTokenRejected, err)
	}
	var info map[string]any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if err := d.Decode(&info); err != nil || info == nil {
		return nil, fmt.Errorf("%w: userinfo answer is not a JSON object", verify.ErrProvider)
	}
	return info, nil
}

// claimString renders a string or number claim (GitHub's numeric id).
func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
