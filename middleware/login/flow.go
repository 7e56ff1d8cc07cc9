package login

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/session"
)

// flow is what a login keeps from the redirect to the provider until the
// callback (or a logout until the return from the provider), in the flow
// cookie session.Manager.SaveFlow keeps for it: bound to the browser, used
// once, valid 10 minutes, keyed by the state the Manager draws.
type flow struct {
	State    string `json:"-"`           // the OAuth 2.0 state: the flow's key, not stored in it
	Nonce    string `json:"n,omitempty"` // the OpenID Connect nonce the ID token must carry
	Verifier string `json:"v,omitempty"` // the PKCE code_verifier (RFC 7636)
	ReturnTo string `json:"r,omitempty"` // where the browser goes once signed in
	Provider string `json:"p,omitempty"` // the provider the login went to, or a logout's mark
	// Response is a form-post callback's response, relayed from the
	// provider's POST to the callback's same-site GET step (formpost.go).
	Response url.Values `json:"q,omitempty"`
}

// newFlow returns a flow with a random nonce (256 bits) and PKCE verifier
// (256 bits, 43 characters).
func newFlow(returnTo, provider string) *flow {
	nonce := make([]byte, 32)
	rand.Read(nonce)
	return &flow{Nonce: base64.RawURLEncoding.EncodeToString(nonce), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo, Provider: provider}
}

// saveFlow keeps f in a flow cookie of its own and sets its state.
// crossSite makes the cookie reach a callback sent as a cross-site POST
// (see formpost.go).
func (a *Auth) saveFlow(w http.ResponseWriter, r *http.Request, f *flow, crossSite bool) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	f.State, err = a.c.Sessions.SaveFlow(w, r, data, crossSite)
	return err
}

// takeFlow returns the flow of state and deletes its cookie: a flow is used
// once. The error matches session.ErrNoFlow when there is none.
func (a *Auth) takeFlow(w http.ResponseWriter, r *http.Request, state string) (*flow, error) {
	data, err := a.c.Sessions.TakeFlow(w, r, state)
	if err != nil {
		return nil, err
	}
	f := &flow{State: state}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("%w: %w", session.ErrNoFlow, err)
	}
	return f, nil
}
