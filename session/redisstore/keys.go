package redisstore

import (
	"crypto/sha256"
	"encoding/hex"
)

// Redis keys, all under the prefix. None holds a raw session ID, sid or
// subject: only their SHA-256.
//
//	s:<hex(SHA-256(id))>     the session's values, JSON; TTL = the session's
//	sid:<hash(iss, sid)>     sorted set of session hashes, scored by expiry
//	sub:<hash(iss, sub)>     likewise, every session of one user
//	lock:<hash(key)>         a Lock's token; TTL = its lease
//	deny:<hex(SHA-256(id))>  a DenyList entry; TTL = the session's remaining life
//	dpop:<verifier's key>    a DPoP proof seen (NewReplayRecord); TTL = its iat window

// hash is the hex SHA-256 of the parts, each ended by a zero byte so that
// ("a", "bc") and ("ab", "c") differ.
func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// idHash is the hex SHA-256 of a session ID: the name of its data in
// Redis, and how the index refers to it.
func idHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// dataKey is where the values of the session whose ID hashes to h live.
func (s *Store) dataKey(h string) string { return s.prefix + "s:" + h }

func (s *Store) sidKey(iss, sid string) string { return s.prefix + "sid:" + hash(iss, sid) }
func (s *Store) subKey(iss, sub string) string { return s.prefix + "sub:" + hash(iss, sub) }
func (s *Store) lockKey(key string) string     { return s.prefix + "lock:" + hash(key) }
