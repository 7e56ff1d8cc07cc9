package redistest

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/session/internal/redisserver"
)

// Server is one running redis-server.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string

	t testing.TB
	s *redisserver.Server
}

// Start runs a redis-server on a free loopback port, in a temporary
// directory, with no persistence of its own: --save "" --appendonly no, then
// extra arguments (which may override these). It is killed at cleanup.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	s := redisserver.Start(t, extra...)
	return &Server{Addr: s.Addr, t: t, s: s}
}

// Stop shuts the server down, as an outage: clients get "connection
// refused". Its data is kept for Restart (it is SAVEd to dump.rdb first,
// which Restart loads).
func (s *Server) Stop() {
	s.t.Helper()
	s.s.Stop()
}

// Restart starts a stopped server again, on the same port, with the data
// it had when stopped.
func (s *Server) Restart() {
	s.t.Helper()
	s.s.Restart()
}
