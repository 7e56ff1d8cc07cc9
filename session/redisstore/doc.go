// Package redisstore is a gorilla sessions.Store on Redis (or Valkey) through
// go-redis's UniversalClient: a single node, Sentinel (a failover client) or
// a Redis Cluster. Use it when the application runs several replicas, when
// sessions outgrow cookies, or when the provider's back-channel logout must
// end sessions.
//
// # What is where
//
// The cookie holds only the session ID (256 random bits), encrypted and
// authenticated with AES-256-GCM under the same key rules as the cookie
// store (cookies of earlier versions, sealed with securecookie, still open).
// The session's Values live in Redis under Prefix+"s:"+hex(SHA-256(ID)), so
// a leaked Redis dump yields no usable cookie: the Gatehouse Session in its
// compact binary form, any other values as a JSON object (never gob), each
// read back as a json.RawMessage and decoded by whoever reads it. Data
// stored by earlier versions (one JSON object) still loads. The key's TTL
// follows the session's Options.MaxAge.
//
// # Failures
//
// Every error caused by Redis (down, slow past Config.Timeout, refusing)
// matches ErrUnavailable, from Get, New and Save alike: it is never turned
// into "no session", so the middleware answers 503 instead of signing the
// user out. A missing, tampered or unknown cookie is no session, and no
// error. A Save that fails leaves what Redis held before untouched and
// writes no cookie. A session loaded from Redis is written back only while
// its data still exists (SET XX): a request in flight cannot bring back a
// session that a logout deleted meanwhile; such a Save returns an error
// matching session.ErrNoSession.
//
// # Extra powers
//
// Store implements session.Locker (Lock: a lease taken with SET NX, extended
// while held, released by compare-and-delete), so a token refresh happens
// once across replicas, and session.Index (DeleteBySID, DeleteBySubject), so
// back-channel logout ends the sessions of a provider session or of a user
// on every replica. Beside the store, NewDenyList is a deny list for
// sessions kept in cookies, and NewReplayRecord a record of DPoP proofs for
// verify.DPoPConfig.ReplayRecord, both shared by every replica.
//
// # Redis Cluster
//
// Every command touches one key, or is a Lua script over one key; commands
// on several keys are sent as a pipeline of single-key commands, which
// go-redis splits by node. No hash tags are needed and none are used. Read
// sessions from primaries: with ReadOnly or RouteByLatency/RouteRandomly a
// replica may return a session as it was before the last Save.
package redisstore
