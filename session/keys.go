package session

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// minSecret is the shortest secret DeriveKeys takes: 32 bytes (256 bits).
const minSecret = 32

// DeriveKeys turns secrets, newest first, into the (hash key, encryption
// key) pairs that NewCookieStore, Config.FlowKeys and redisstore's KeyPairs
// take: one secret is enough, and the two keys of each pair are derived
// from it with HKDF-SHA256 under distinct labels, so they are independent.
// Keys rotate as pairs do: put the new secret first and keep the old one
// after it until the cookies it sealed have expired. A secret shorter than
// 32 bytes (256 bits) is an error; draw each one at random (openssl rand -hex 32).
func DeriveKeys(secrets ...[]byte) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("session: DeriveKeys needs a secret")
	}
	var pairs [][]byte
	for i, s := range secrets {
		if len(s) < minSecret {
			return nil, fmt.Errorf("session: secret %d is %d bytes, want at least %d", i, len(s), minSecret)
		}
		for _, label := range []string{"gatehouse cookie hash key", "gatehouse cookie block key"} {
			k, err := hkdf.Key(sha256.New, s, nil, label, 32)
			if err != nil {
				return nil, fmt.Errorf("session: deriving keys from secret %d: %w", i, err)
			}
			pairs = append(pairs, k)
		}
	}
	return pairs, nil
}
