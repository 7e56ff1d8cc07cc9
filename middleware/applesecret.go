package middleware

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// appleAudience is the aud of a Sign in with Apple client secret.
const appleAudience = "https://appleid.apple.com"

// appleMaxLifetime is the longest life Apple accepts for a client secret:
// 15777000 seconds, six months.
const appleMaxLifetime = 15777000 * time.Second

// AppleClientSecret returns a Config.ClientSecretFunc for Sign in with
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
		return nil, errors.New("middleware: AppleClientSecret needs the key, team ID, key ID and client ID")
	case lifetime < 0 || lifetime > appleMaxLifetime:
		return nil, fmt.Errorf("middleware: AppleClientSecret lifetime %s is not between 0 and six months", lifetime)
	case lifetime == 0:
		lifetime = appleMaxLifetime
	}
	k, err := newJWSKey(key, "RS256", "AppleClientSecret key")
	if err != nil {
		return nil, err
	}
	if k.alg != "ES256" {
		return nil, errors.New("middleware: AppleClientSecret needs a P-256 ECDSA key (ES256)")
	}
	h, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}{k.alg, keyID})
	header := base64.RawURLEncoding.EncodeToString(h)
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
		s, err := k.jwt(header, struct {
			Iss string `json:"iss"`
			IAT int64  `json:"iat"`
			Exp int64  `json:"exp"`
			Aud string `json:"aud"`
			Sub string `json:"sub"`
		}{teamID, now.Unix(), now.Add(lifetime).Unix(), appleAudience, clientID})
		if err != nil {
			return "", err
		}
		current, renewAt = s, now.Add(lifetime/2)
		return current, nil
	}, nil
}

// secretAuth is the formAuth of Config.ClientSecretFunc: client_id and the
// current secret as client_secret.
func secretAuth(clientID string, secret func() (string, error)) formAuth {
	return func(form url.Values) error {
		s, err := secret()
		if err != nil {
			return fmt.Errorf("middleware: Config.ClientSecretFunc: %w", err)
		}
		form.Set("client_id", clientID)
		form.Set("client_secret", s)
		return nil
	}
}

// secret is the client secret in use, for redaction: ClientSecretFunc's
// current one when set.
func (a *Auth) secret() string {
	if a.c.ClientSecretFunc != nil {
		s, _ := a.c.ClientSecretFunc()
		return s
	}
	return a.c.ClientSecret
}
