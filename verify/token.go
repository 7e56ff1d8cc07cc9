package verify

import (
	stdjson "encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
)

// Token is a verified JWT: the registered claims Gatehouse checked, plus the
// raw claims for anything else (see Claims). A Token returned by a Verifier
// is read-only: it may be shared with every request carrying the same token
// (see Verifier.Verify).
type Token struct {
	Issuer   string   // iss, matched exactly against a trusted provider
	Subject  string   // sub
	Audience []string // aud, one value or several
	// Scopes come from the space-separated "scope" claim (RFC 9068, RFC
	// 8693) or, when absent, the "scp" claim as an array or a string
	// (Okta, Entra).
	Scopes    []string
	Expiry    time.Time // exp
	NotBefore time.Time // zero when absent
	IssuedAt  time.Time // zero when absent
	AuthTime  time.Time // auth_time, when the user authenticated; zero when absent
	ID        string    // jti
	ClientID  string    // client_id, or azp when client_id is absent
	SessionID string    // sid

	// Confirmation is the "cnf" claim: the key or certificate the token is
	// bound to, empty for a bearer token.
	Confirmation Confirmation

	// Header values of the JWS.
	Algorithm, KeyID, Type string

	// Raw is the compact token as received.
	Raw string

	payload []byte
	c       *claims
	trust   string // the issuer of the Provider that vouched for it (a template for a multi-tenant one)
}

// Claims decodes the token's whole claims object into v, which may be a
// pointer to a struct or to a map[string]any, with the strict decoder Verify
// uses: member names match v's field names exactly (`json:"email"` never
// takes "Email"), and duplicate names were refused at verification. Numbers
// decoded into an interface value are float64, as with encoding/json.
func (t *Token) Claims(v any) error { return json.Unmarshal(t.payload, v) }

// RawClaims returns the claims object as JSON. The caller must not modify it.
func (t *Token) RawClaims() stdjson.RawMessage { return t.payload }

// HasScope reports whether the token grants scope s.
func (t *Token) HasScope(s string) bool { return slices.Contains(t.Scopes, s) }

// claims are the registered claims read on every verification. One decode of
// the payload fills them (decode.go).
type claims struct {
	Iss      string
	Sub      string
	Aud      strList
	Exp      float64
	Nbf      float64
	Iat      float64
	Jti      string
	Scope    *string
	Scp      strList
	ClientID string // client_id
	Azp      string
	Nonce    string
	HasNonce bool // a nonce member is present, whatever its value
	AtHash   string
	Sid      string
	Events   []byte // the "events" value as it came, for logout tokens
	Cnf      Confirmation
	Tid      string  // tid, the tenant of a multi-tenant provider
	AuthTime float64 // auth_time
}

// strList is a JSON string or array of strings ("aud", "scp").
type strList []string

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
		ClientID: c.ClientID, Algorithm: h.Alg, KeyID: h.Kid, Type: h.Typ, Confirmation: c.Cnf,
		Raw: raw, payload: payload, c: c,
	}
	if t.ClientID == "" {
		t.ClientID = c.Azp
	}
	var ok1, ok2, ok3, ok4 bool
	t.Expiry, ok1 = numericDate(c.Exp)
	t.NotBefore, ok2 = numericDate(c.Nbf)
	t.IssuedAt, ok3 = numericDate(c.Iat)
	t.AuthTime, ok4 = numericDate(c.AuthTime)
	if !ok1 || !ok2 || !ok3 || !ok4 {
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
