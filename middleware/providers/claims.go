package providers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatehouse-go/gatehouse/session"
)

// errNoIDToken: a check that needs the verified ID token found none.
var errNoIDToken = errors.New("providers: the session has no ID token")

// idTokenClaims decodes the payload of the session's ID token, which the
// middleware verified at login (signature, issuer, audience, nonce): the
// source for checks that must not trust userinfo.
func idTokenClaims(s *session.Session) (map[string]any, error) {
	parts := strings.Split(s.IDToken, ".")
	if len(parts) != 3 {
		return nil, errNoIDToken
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return c, nil
}

// sessionClaims decodes the session's claims (ID token and userinfo).
func sessionClaims(s *session.Session) (map[string]any, error) {
	c := map[string]any{}
	if len(s.Claims) > 0 {
		if err := json.Unmarshal(s.Claims, &c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// setClaims merges set into the session's claims; a nil value deletes.
func setClaims(s *session.Session, set map[string]any) error {
	c, err := sessionClaims(s)
	if err != nil {
		return err
	}
	for k, v := range set {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	s.Claims = b
	return nil
}
