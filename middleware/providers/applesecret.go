package providers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// appleAudience is the aud of a Sign in with Apple client secret.
const appleAudience = "https://appleid.apple.com"

// appleMaxLifetime is the longest life Apple accepts for a client secret:
// 15777000 seconds, six months.
const appleMaxLifetime = 15777000 * time.Second

// AppleClientSecret returns a login.Config.ClientSecretFunc for Sign in with
// Apple, whose client secret is a JWT the application signs: ES256 with the
// P-256 key downloaded from Apple's developer account (key, its ID keyID as
// kid), iss the team ID, sub the client (Services) ID, aud
// https://appleid.apple.com, exp lifetime after iat. lifetime defaults to,
// and may not exceed, six months. The secret is made on first use and made
// anew once half its lifetime has passed, so a secret in use never
// expires.
func AppleClientSecret(key crypto.Signer, teamID, keyID, clientID string, lifetime time.Duration) (func() (string, error), error) {
	switch {
	case key == nil || teamID == "" || keyID == "" || clientID == "":
		return nil, errors.New("providers: AppleClientSecret needs the key, team ID, key ID and client ID")
	case lifetime < 0 || lifetime > appleMaxLifetime:
		return nil, fmt.Errorf("providers: AppleClientSecret lifetime %s is not between 0 and six months", lifetime)
	case lifetime == 0:
		lifetime = appleMaxLifetime
	}
	if pub, ok := key.Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("providers: AppleClientSecret needs a P-256 ECDSA key (ES256)")
	}
	header := jws.NewHeaders()
	_ = header.Set(jws.KeyIDKey, keyID)
	var mu sync.Mutex
	var current string
	var renewAt time.Time
	return func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if current != "" && now.Before(renewAt) {
			return current, nil
		}
		c, _ := json.Marshal(struct {
			Iss string `json:"iss"`
			IAT int64  `json:"iat"`
			Exp int64  `json:"exp"`
			Aud string `json:"aud"`
			Sub string `json:"sub"`
		}{teamID, now.Unix(), now.Add(lifetime).Unix(), appleAudience, clientID})
		s, err := jws.Sign(c, jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(header)))
		if err != nil {
			return "", err
		}
		current, renewAt = string(s), now.Add(lifetime/2)
		return current, nil
	}, nil
}
