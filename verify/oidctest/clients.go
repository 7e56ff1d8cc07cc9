package oidctest

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Client is a registered OAuth client.
type Client struct {
	// ID and Secret are the client's credentials. An empty Secret makes a
	// public client: it authenticates with client_id alone and may use
	// the authorization_code and refresh_token grants only.
	ID, Secret string
	// RedirectURIs are the exact redirect URIs allowed; empty allows any
	// http(s) loopback URI.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the exact URIs end_session may send the
	// browser to; empty allows any http(s) loopback URI.
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI, when set, receives a logout token (OpenID
	// Connect Back-Channel Logout 1.0) when end_session ends one of the
	// client's sessions (identified by id_token_hint).
	BackchannelLogoutURI string
	// PublicKey, when set, lets the client authenticate with
	// private_key_jwt (RFC 7523 §2.2): a JWT assertion signed with the
	// matching private key (RS256, PS256, ES256/384/512 or EdDSA). An
	// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	PublicKey crypto.PublicKey
}

// AddClient registers a client. A client with the ID of the default client
// (ClientID) replaces its registration.
func (s *Server) AddClient(c Client) {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = &c
}

// SetUser sets extra claims for a user, given in ID tokens and at userinfo.
// Any username can log in; by default its claims are sub (the username),
// name, email (username@example.test) and email_verified. A "sub" here
// replaces the subject everywhere, access tokens included.
func (s *Server) SetUser(username string, claims map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[username] = maps.Clone(claims)
}

// client returns the registered client id, or nil. s.mu must be held.
func (s *Server) client(id string) *Client {
	if c, ok := s.clients[id]; ok {
		return c
	}
	if id != "" && id == s.ClientID {
		return &Client{ID: s.ClientID, Secret: s.ClientSecret}
	}
	return nil
}

// lookupClient is client with the lock taken.
func (s *Server) lookupClient(id string) *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client(id)
}

// authenticate checks client_secret_basic (RFC 6749 §2.3.1: the ID and
// secret are form-url-encoded before base64), client_secret_post or
// private_key_jwt (assertedClient). r.ParseForm must have run.
func (s *Server) authenticate(r *http.Request) (*Client, *oauthError) {
	if r.PostForm.Has("client_assertion") || r.PostForm.Has("client_assertion_type") {
		return s.assertedClient(r)
	}
	fail := &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: "client authentication failed"}
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		switch {
		case err1 != nil || err2 != nil:
			return nil, fail
		case r.PostForm.Has("client_secret"):
			return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "more than one client authentication method"}
		case r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != id:
			return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "client_id differs from the authenticated client"}
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c := s.lookupClient(id)
	if c == nil || (c.Secret == "" && c.PublicKey != nil) || !secretsEqual(c.Secret, secret) {
		return nil, fail
	}
	return c, nil
}

// confidential reports whether c authenticates with a secret or a key: a
// public client may use the authorization_code and refresh_token grants
// only.
func (c *Client) confidential() bool { return c.Secret != "" || c.PublicKey != nil }

// authenticatedForm reads a client's form post and authenticates the client
// (authenticate); on failure it has answered with an RFC 6749 §5.2 error.
func (s *Server) authenticatedForm(w http.ResponseWriter, r *http.Request) (*Client, bool) {
	if err := r.ParseForm(); err != nil {
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "unreadable or oversized form"})
		return nil, false
	}
	c, e := s.authenticate(r)
	if e != nil {
		tokenFail(w, e)
		return nil, false
	}
	return c, true
}

// echoCredentials writes c's credentials into an error description the way
// Behavior.EchoClientSecret asks.
func echoCredentials(how string, c *Client) string {
	var echo string
	switch how {
	case "url":
		echo = url.PathEscape(c.Secret)
	case "form":
		echo = url.Values{"client_id": {c.ID}, "client_secret": {c.Secret}}.Encode()
	case "basic":
		echo = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret)))
	case "json":
		b, _ := json.Marshal(map[string]string{"client_id": c.ID, "client_secret": c.Secret})
		echo = string(b)
	default:
		echo = c.Secret
	}
	return "oidctest refused the client; it received: " + echo
}

// secretsEqual compares in constant time, whatever the lengths.
func secretsEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// userClaims returns the claims of a user: the defaults, then SetUser's.
func (s *Server) userClaims(username string) map[string]any {
	c := map[string]any{"sub": username, "name": username, "email": username + "@example.test", "email_verified": true}
	s.mu.Lock()
	maps.Copy(c, s.users[username])
	s.mu.Unlock()
	return c
}

// subject returns the sub of a user.
func (s *Server) subject(username string) string {
	if sub, ok := s.userClaims(username)["sub"].(string); ok && sub != "" {
		return sub
	}
	return username
}

// allowedURI accepts a registered URI (exact match), or any http(s) loopback
// URI without a fragment when none is registered.
func allowedURI(u string, registered []string) bool {
	if len(registered) > 0 {
		return slices.Contains(registered, u)
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Fragment == "" &&
		p.User == nil && isLoopback(p.Hostname())
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
