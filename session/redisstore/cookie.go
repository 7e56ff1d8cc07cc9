package redisstore

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/gorilla/securecookie"
)

// idBytes is the size of a session ID: 256 random bits.
const idBytes = 32

// idLen is the length of an ID as text (unpadded base64url).
var idLen = base64.RawURLEncoding.EncodedLen(idBytes)

// newCodecs builds one securecookie codec per (hash, block) key pair. The
// cookie carries the ID's bytes as they are (no gob) and no timestamp check:
// the session's lifetime is the Redis TTL.
func newCodecs(keyPairs [][]byte) ([]securecookie.Codec, error) {
	if len(keyPairs) == 0 || len(keyPairs)%2 != 0 {
		return nil, errors.New("redisstore: Config.KeyPairs must hold pairs of (hash key, encryption key)")
	}
	var codecs []securecookie.Codec
	for i := 0; i < len(keyPairs); i += 2 {
		h, b := keyPairs[i], keyPairs[i+1]
		if len(h) != 32 && len(h) != 64 {
			return nil, fmt.Errorf("redisstore: hash key %d is %d bytes, want 32 or 64", i/2, len(h))
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("redisstore: encryption key %d is %d bytes, want 32 (AES-256)", i/2, len(b))
		}
		sc := securecookie.New(h, b)
		sc.SetSerializer(securecookie.NopEncoder{})
		sc.MaxAge(0)
		codecs = append(codecs, sc)
	}
	return codecs, nil
}

// encodeID is the cookie value for session id of the session called name
// (the name is signed too: a cookie does not move to another name).
func (s *Store) encodeID(name, id string) (string, error) {
	v, err := securecookie.EncodeMulti(name, []byte(id), s.codecs...)
	if err != nil {
		return "", fmt.Errorf("redisstore: encoding the cookie: %w", err)
	}
	return v, nil
}

// decodeID returns the session ID in a cookie value, or false when the
// value is tampered, foreign, or not one of our IDs.
func (s *Store) decodeID(name, value string) (string, bool) {
	var b []byte
	if securecookie.DecodeMulti(name, value, &b, s.codecs...) != nil || len(b) != idLen {
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
