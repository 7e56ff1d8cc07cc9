package verify

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// Token is a verified JWT: the registered claims Gatehouse checked, plus the
// raw claims for anything else (see Claims).
type Token struct {
	Issuer   string
	Subject  string
	Audience []string
	// Scopes come from the space-separated "scope" claim (RFC 9068, RFC
	// 8693) or, when absent, the "scp" claim as an array or a string
	// (Okta, Entra).
	Scopes    []string
	Expiry    time.Time
	NotBefore time.Time // zero when absent
	IssuedAt  time.Time // zero when absent
	ID        string    // jti
	ClientID  string    // client_id, or azp when client_id is absent
	SessionID string    // sid

	// Header values of the JWS.
	Algorithm, KeyID, Type string

	// Raw is the compact token as received.
	Raw string

	payload []byte
	c       *claims
}

// Claims decodes the token's whole claims object into v, which may be a
// pointer to a struct or to a map[string]any.
func (t *Token) Claims(v any) error { return json.Unmarshal(t.payload, v) }

// RawClaims returns the claims object as JSON. The caller must not modify it.
func (t *Token) RawClaims() json.RawMessage { return t.payload }

// HasScope reports whether the token grants scope s.
func (t *Token) HasScope(s string) bool { return slices.Contains(t.Scopes, s) }

// claims are the registered claims read on every verification. One decode of
// the payload fills them.
type claims struct {
	Iss      string   `json:"iss"`
	Sub      string   `json:"sub"`
	Aud      strList  `json:"aud"`
	Exp      float64  `json:"exp"`
	Nbf      float64  `json:"nbf"`
	Iat      float64  `json:"iat"`
	Jti      string   `json:"jti"`
	Scope    *string  `json:"scope"`
	Scp      strList  `json:"scp"`
	ClientID string   `json:"client_id"`
	Azp      string   `json:"azp"`
	Nonce    string   `json:"nonce"`
	AtHash   string   `json:"at_hash"`
	Sid      string   `json:"sid"`
	Events   rawEvent `json:"events"`
}

// rawEvent keeps the "events" claim of logout tokens undecoded.
type rawEvent = json.RawMessage

// strList is a JSON string or array of strings ("aud", "scp").
type strList []string

// UnmarshalJSON accepts "a", ["a","b"] and null.
func (l *strList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		// The common case, a plain string: no decoder needed.
		*l = strList{string(b[1 : len(b)-1])}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = strList{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*l = a
	return nil
}

// numericDate converts a NumericDate (seconds since the epoch, possibly
// fractional) to a time. ok is false for values no real token carries.
func numericDate(f float64) (time.Time, bool) {
	if f == 0 {
		return time.Time{}, true
	}
	if math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// newToken fills a Token from checked claims.
func newToken(raw string, h *header, payload []byte, c *claims) (*Token, error) {
	t := &Token{
		Issuer: c.Iss, Subject: c.Sub, Audience: c.Aud, ID: c.Jti, SessionID: c.Sid,
		ClientID: c.ClientID, Algorithm: h.Alg, KeyID: h.Kid, Type: h.Typ,
		Raw: raw, payload: payload, c: c,
	}
	if t.ClientID == "" {
		t.ClientID = c.Azp
	}
	var ok1, ok2, ok3 bool
	t.Expiry, ok1 = numericDate(c.Exp)
	t.NotBefore, ok2 = numericDate(c.Nbf)
	t.IssuedAt, ok3 = numericDate(c.Iat)
	if !ok1 || !ok2 || !ok3 {
		return nil, errClaimRange
	}
	switch {
	case c.Scope != nil:
		t.Scopes = strings.Fields(*c.Scope)
	case len(c.Scp) == 1:
		t.Scopes = strings.Fields(c.Scp[0])
	default:
		t.Scopes = c.Scp
	}
	return t, nil
}
