package redisstore

import (
	"crypto/rand"
	"encoding/base64"
)

// idBytes is the size of a session ID: 256 random bits.
const idBytes = 32

// idLen is the length of an ID as text (unpadded base64url).
var idLen = base64.RawURLEncoding.EncodedLen(idBytes)

// encodeID is the cookie value for session id of the session called name
// (the name is signed too: a cookie does not move to another name).
func (s *Store) encodeID(name, id string) (string, error) {
	return s.sealer.Seal(name, []byte(id)), nil
}

// decodeID returns the session ID in a cookie value, or false when the
// value is tampered, foreign, or not one of our IDs.
func (s *Store) decodeID(name, value string) (string, bool) {
	b, err := s.sealer.Open(name, value)
	if err != nil || len(b) != idLen {
		return "", false
	}
	return string(b), true
}

// newID returns 256 random bits, base64url.
func newID() string {
	b := make([]byte, idBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
