// Package redisstore is a gorilla sessions.Store on Redis (or Valkey, or a
// Redis Cluster, through go-redis's UniversalClient), for applications that
// run several replicas.
//
// The cookie holds only the session ID, signed and encrypted with
// securecookie. The data lives in Redis as JSON under a key derived from a
// SHA-256 of the ID, so a leaked Redis dump yields no usable cookie, with a
// TTL that follows the session's lifetime. Redis errors are returned as
// errors matching ErrUnavailable, never turned into "no session".
//
// The Store also implements session.Locker (a per-key lock with a lease
// extended while held, released by compare-and-delete), used by the
// middleware so a refresh happens once across replicas, and session.Index
// (sessions found by the provider's sid or by user), used by back-channel
// logout.
package redisstore
