package oidctest

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"
)

// maxBody caps every request body the server reads.
const maxBody = 64 << 10

// Server is a running OpenID provider on a loopback httptest server.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234", without a
	// trailing slash. It is also the issuer.
	URL string
	// ClientID and ClientSecret are the registered confidential client:
	// ClientID is "gatehouse-test", ClientSecret is random per server. The
	// default client accepts any http(s) loopback redirect URI.
	ClientID     string // "gatehouse-test"
	ClientSecret string // random per server

	srv *httptest.Server

	mu      sync.Mutex // guards everything below
	b       Behavior
	keys    map[string][]*signKey // key family → keys, the last one current
	keySeq  int
	counts  map[string]int
	users   map[string]map[string]any
	clients map[string]*Client
	codes   map[string]*authCode
	pushed  map[string]*pushedRequest // request_uri → pushed authorization request
	grants  map[string]*grant
	refresh map[string]*refreshToken
	access  map[string]*accessToken
	ends    []url.Values
	revoked []string
	dead    map[string]bool // revoked JWT access tokens minted by AccessToken
	proofs  map[string]bool // jti of the DPoP proofs seen at /token
	// assertions: jti of the client assertions seen → their exp
	assertions map[string]time.Time
}

// NewServer starts a provider, like httptest.NewServer. It generates an
// RS256 (RSA 2048), an ES256 (P-256) and an EdDSA (Ed25519) key.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a provider that is not started yet: configure it
// (Set, AddClient, SetUser), then call Start.
func NewUnstartedServer() *Server {
	s := &Server{
		ClientID:     "gatehouse-test",
		ClientSecret: randomString(24),
		keys:         map[string][]*signKey{},
		counts:       map[string]int{},
		users:        map[string]map[string]any{},
		clients:      map[string]*Client{},
		codes:        map[string]*authCode{},
		pushed:       map[string]*pushedRequest{},
		grants:       map[string]*grant{},
		refresh:      map[string]*refreshToken{},
		access:       map[string]*accessToken{},
		dead:         map[string]bool{},
		proofs:       map[string]bool{},
		assertions:   map[string]time.Time{},
	}
	for _, fam := range families {
		s.keys[fam] = []*signKey{s.newKey(fam)}
	}
	mux := http.NewServeMux()
	route := func(pattern, name string, h http.HandlerFunc) { mux.HandleFunc(pattern, s.observe(name, h)) }
	route("GET /.well-known/openid-configuration", "discovery", s.discovery)
	route("GET /.well-known/oauth-authorization-server", "oauth-metadata", s.discovery)
	route("GET /jwks", "jwks", s.jwks)
	route("GET /authorize", "authorize", s.authorize)
	route("POST /authorize", "authorize", s.authorize)
	route("POST /par", "par", s.par)
	route("POST /token", "token", s.token)
	route("GET /userinfo", "userinfo", s.userinfo)
	route("POST /userinfo", "userinfo", s.userinfo)
	route("GET /end_session", "end_session", s.endSession)
	route("POST /end_session", "end_session", s.endSession)
	route("POST /revoke", "revocation", s.revoke)
	route("POST /introspect", "introspection", s.introspect)
	s.srv = httptest.NewUnstartedServer(mux)
	return s
}

// Start starts a server from NewUnstartedServer and sets URL.
func (s *Server) Start() {
	s.srv.Start()
	s.URL = s.srv.URL
}

// Close shuts the server down and blocks until its requests have finished.
func (s *Server) Close() { s.srv.Close() }

// Issuer returns the issuer identifier, which is URL.
func (s *Server) Issuer() string { return s.URL }

// Client returns an HTTP client for talking to the server, like
// httptest.Server.Client.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Set changes the server's behaviour under its lock; tests may flip switches
// while requests are running. f must not keep b.
func (s *Server) Set(f func(b *Behavior)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.b)
}

// behavior returns a copy of the current behaviour, safe to read unlocked.
func (s *Server) behavior() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b
	b.IDTokenClaims = maps.Clone(b.IDTokenClaims)
	b.IDTokenHeader = maps.Clone(b.IDTokenHeader)
	b.JWKSMembers = maps.Clone(b.JWKSMembers)
	for fam, m := range b.JWKSMembers {
		b.JWKSMembers[fam] = maps.Clone(m)
	}
	b.IDTokenSigningAlgs = slices.Clone(b.IDTokenSigningAlgs)
	b.IntrospectionClaims = maps.Clone(b.IntrospectionClaims)
	return b
}

// observe counts a request under name and caps its body before h runs.
func (s *Server) observe(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.countUp(name)
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r)
	}
}
