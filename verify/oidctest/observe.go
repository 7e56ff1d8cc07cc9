package oidctest

import (
	"net/url"
	"slices"
)

// Count returns how many requests an endpoint has seen. Endpoint names:
// "discovery", "oauth-metadata", "jwks", "authorize", "token",
// "token:authorization_code", "token:refresh_token",
// "token:client_credentials", "userinfo", "end_session", "revocation",
// "introspection", "par".
// Login counts as an "authorize" request. "refresh_token_reused" counts the
// refresh requests that presented a refresh token already spent by a
// rotation (each revoked its grant, unless DisableReuseDetection): a relying
// party that lost a rotated token shows here.
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

// EndSessionRequests returns the parameters of each end_session request, in
// order (the query of a GET, the form of a POST).
func (s *Server) EndSessionRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.ends))
	for i, q := range s.ends {
		out[i] = cloneValues(q)
	}
	return out
}

// RevokedTokens returns the tokens received at the revocation endpoint, in
// order.
func (s *Server) RevokedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revoked)
}

// reusedRefreshTokens is the Count name of spent refresh tokens presented
// again.
const reusedRefreshTokens = "refresh_token_reused"

func (s *Server) countUp(name string) {
	s.mu.Lock()
	s.counts[name]++
	s.mu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}
