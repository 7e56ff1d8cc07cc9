package oidctest

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Server is a running OpenID provider on a loopback httptest server.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234", without a
	// trailing slash. It is also the issuer.
	URL string
	// ClientID and ClientSecret are the registered confidential client.
	// The default client accepts any loopback redirect URI.
	ClientID     string
	ClientSecret string

	srv *httptest.Server

	mu        sync.Mutex
	b         Behavior
	keys      map[string][]*signKey // alg → keys, the last one current
	counts    map[string]int
	users     map[string]map[string]any
	clients   map[string]*Client
	codes     map[string]*authCode
	grants    map[string]*grant
	refresh   map[string]*refreshToken
	access    map[string]*accessToken
	ends      []url.Values
	revoked   []string
	keyNumber int
}

// NewServer starts a provider, like httptest.NewServer. It generates an
// RS256 (RSA 2048), an ES256 (P-256) and an EdDSA (Ed25519) key.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a provider that is not started yet; call Start.
func NewUnstartedServer() *Server {
	s := &Server{
		ClientID:     "gatehouse-test",
		ClientSecret: randomString(24),
		keys:         map[string][]*signKey{},
		counts:       map[string]int{},
		users:        map[string]map[string]any{},
		clients:      map[string]*Client{},
		codes:        map[string]*authCode{},
		grants:       map[string]*grant{},
		refresh:      map[string]*refreshToken{},
		access:       map[string]*accessToken{},
	}
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		s.keys[alg] = []*signKey{s.newKey(alg)}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.count("discovery", s.discovery))
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.count("oauth-metadata", s.discovery))
	mux.HandleFunc("GET /jwks", s.count("jwks", s.jwks))
	mux.HandleFunc("GET /authorize", s.count("authorize", s.authorize))
	mux.HandleFunc("POST /authorize", s.count("authorize", s.authorize))
	mux.HandleFunc("POST /token", s.count("token", s.token))
	mux.HandleFunc("GET /userinfo", s.count("userinfo", s.userinfo))
	mux.HandleFunc("POST /userinfo", s.count("userinfo", s.userinfo))
	mux.HandleFunc("GET /end_session", s.count("end_session", s.endSession))
	mux.HandleFunc("POST /revoke", s.count("revocation", s.revoke))
	s.srv = httptest.NewUnstartedServer(mux)
	return s
}

// Start starts a server from NewUnstartedServer.
func (s *Server) Start() {
	s.srv.Start()
	s.URL = s.srv.URL
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Issuer returns the issuer identifier (the URL).
func (s *Server) Issuer() string { return s.URL }

// Client returns an HTTP client for talking to the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Set changes the server's behaviour under its lock; tests may flip switches
// while requests run.
func (s *Server) Set(f func(b *Behavior)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.b)
}

// behavior returns a copy of the current behaviour.
func (s *Server) behavior() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b
	b.IDTokenClaims = maps.Clone(b.IDTokenClaims)
	b.IDTokenHeader = maps.Clone(b.IDTokenHeader)
	return b
}

// Count returns how many requests an endpoint has seen: "discovery",
// "oauth-metadata", "jwks", "authorize", "token", "token:authorization_code",
// "token:refresh_token", "token:client_credentials", "userinfo",
// "end_session", "revocation".
func (s *Server) Count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

// ResetCounts sets every counter to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// EndSessionRequests returns the query of each end_session request.
func (s *Server) EndSessionRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.ends...)
}

// RevokedTokens returns the tokens received at the revocation endpoint.
func (s *Server) RevokedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}

// SetUser sets extra claims for a user, given in ID tokens and userinfo.
// Every username can log in; by default its claims are sub (the username),
// name, email and email_verified.
func (s *Server) SetUser(username string, claims map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[username] = maps.Clone(claims)
}

// Client is a registered OAuth client.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string // empty: any http(s) loopback redirect URI
	PostLogoutRedirectURIs []string // empty: any http(s) loopback URI
}

// AddClient registers another client.
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = &c
}

func (s *Server) client(id string) *Client {
	if id == s.ClientID {
		return &Client{ID: s.ClientID, Secret: s.ClientSecret}
	}
	return s.clients[id]
}

func (s *Server) count(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[name]++
		s.mu.Unlock()
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		h(w, r)
	}
}

func (s *Server) userClaims(username string) map[string]any {
	c := map[string]any{"sub": username, "name": username, "email": username + "@example.test", "email_verified": true}
	s.mu.Lock()
	maps.Copy(c, s.users[username])
	s.mu.Unlock()
	return c
}

func now() time.Time { return time.Now() }
