package session

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// Session is the login state of one signed-in user.
type Session struct {
	// ID is random (128 bits), new at every login, and what a logout
	// deny-lists.
	ID string `json:"id"`
	// Issuer is the provider's issuer identifier (the ID token's iss).
	Issuer string `json:"iss,omitempty"`
	// Subject is the user's ID at Issuer (the ID token's sub).
	Subject  string `json:"sub,omitempty"`
	Provider string `json:"p,omitempty"` // which login (several providers in one app)

	// IDToken is the raw ID token, the latest the provider sent (at
	// login or at a refresh); the logout sends it as id_token_hint.
	IDToken string `json:"idt,omitempty"`
	// AccessToken is the OAuth 2.0 access token; a refresh replaces it.
	AccessToken string `json:"at,omitempty"`
	// RefreshToken is the OAuth 2.0 refresh token; a refresh replaces it
	// when the provider rotates it.
	RefreshToken string `json:"rt,omitempty"`
	// TokenType is the access token's type: "Bearer".
	TokenType string    `json:"tt,omitempty"`
	Expiry    time.Time `json:"exp,omitzero"` // access-token expiry
	// Issued is when the access token was obtained, so that its lifetime
	// is Expiry − Issued; zero in sessions saved before it was recorded
	// (the lifetime is then unknown).
	Issued time.Time `json:"ait,omitzero"`

	// Claims are the ID-token (and userinfo) claims as received.
	Claims json.RawMessage `json:"c,omitempty"`
	// SID is the provider's session ID (sid claim), for back-channel logout.
	SID string `json:"sid,omitempty"`

	// Created is when the login happened; AbsoluteTimeout counts from it.
	Created time.Time `json:"ct"`
	// LastSeen is when the session was last saved in use; IdleTimeout
	// counts from it.
	LastSeen time.Time `json:"ls"`

	// Extra is application data kept with the session.
	Extra map[string]string `json:"x,omitempty"`
}

func init() {
	// For third-party gorilla stores that serialize with gob.
	gob.Register(&Session{})
}

// ClaimsInto decodes the session's claims into v, as verify.Token.Claims
// does: member names match v's field names exactly (no case folding, so
// "EMAIL" never fills a field for "email"), and a name given twice is an
// error.
func (s *Session) ClaimsInto(v any) error {
	if len(s.Claims) == 0 {
		return errors.New("session: no claims")
	}
	return jsonv2.Unmarshal(s.Claims, v)
}

// decodeSession reads the stored value in whatever form a store kept it.
func decodeSession(v any) (*Session, error) {
	var raw []byte
	switch v := v.(type) {
	case *Session:
		if v == nil {
			return nil, errors.New("session: nil stored value")
		}
		cp := *v
		return &cp, nil
	case Session:
		return &v, nil
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		return nil, errors.New("session: unknown stored value")
	}
	s := new(Session)
	if len(raw) > 0 && raw[0] == binaryVersion {
		return s, s.UnmarshalBinary(raw)
	}
	// The JSON form of earlier versions.
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	return s, nil
}
