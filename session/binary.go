package session

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
)

// The binary form of a Session, what the stores in this module keep (a
// JSON encoding of the same session costs a full scan of its tokens and
// claims on every request; this form is read with a few length-prefixed
// copies):
//
//	binaryVersion byte
//	per set field: uvarint(tag) uvarint(len) bytes
//
// Strings and the claims are their bytes; times are a varint of Unix
// nanoseconds (an unset time is left out); Extra is uvarint(count) and then
// uvarint(len) bytes for each key and value, sorted by key. A field appears at
// most once; unknown tags are skipped, so a session written by a later
// version that added a field still loads.
const binaryVersion = 0xB1 // can never start a JSON text, the older form

// Field tags of the binary form. Never reuse or renumber one.
const (
	tagID = iota + 1
	tagIssuer
	tagSubject
	tagProvider
	tagIDToken
	tagAccessToken
	tagRefreshToken
	tagTokenType
	tagExpiry
	tagClaims
	tagSID
	tagCreated
	tagLastSeen
	tagExtra
	tagIssued
	tagLimit // one past the last tag this version knows
)

var errBinary = errors.New("session: malformed binary session")

// MarshalBinary encodes s in the compact form the stores of this module
// keep (encoding.BinaryMarshaler; gob uses it too).
func (s *Session) MarshalBinary() ([]byte, error) {
	return s.appendBinary(make([]byte, 0, 64+len(s.IDToken)+len(s.AccessToken)+len(s.RefreshToken)+len(s.Claims))), nil
}

func (s *Session) appendBinary(b []byte) []byte {
	b = append(b, binaryVersion)
	str := func(tag int, v string) {
		if v != "" {
			b = binary.AppendUvarint(b, uint64(tag))
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	tm := func(tag int, t time.Time) {
		if !t.IsZero() {
			var n [binary.MaxVarintLen64]byte
			v := binary.PutVarint(n[:], t.UnixNano())
			b = binary.AppendUvarint(b, uint64(tag))
			b = binary.AppendUvarint(b, uint64(v))
			b = append(b, n[:v]...)
		}
	}
	str(tagID, s.ID)
	str(tagIssuer, s.Issuer)
	str(tagSubject, s.Subject)
	str(tagProvider, s.Provider)
	str(tagIDToken, s.IDToken)
	str(tagAccessToken, s.AccessToken)
	str(tagRefreshToken, s.RefreshToken)
	str(tagTokenType, s.TokenType)
	tm(tagExpiry, s.Expiry)
	tm(tagIssued, s.Issued)
	if !s.claimsAreIDToken() {
		str(tagClaims, string(s.Claims))
	}
	str(tagSID, s.SID)
	tm(tagCreated, s.Created)
	tm(tagLastSeen, s.LastSeen)
	if len(s.Extra) > 0 {
		var x []byte
		x = binary.AppendUvarint(x, uint64(len(s.Extra)))
		for _, k := range slices.Sorted(maps.Keys(s.Extra)) {
			x = binary.AppendUvarint(x, uint64(len(k)))
			x = append(x, k...)
			x = binary.AppendUvarint(x, uint64(len(s.Extra[k])))
			x = append(x, s.Extra[k]...)
		}
		str(tagExtra, string(x))
	}
	return b
}

// UnmarshalBinary decodes what MarshalBinary wrote into s, refusing
// anything malformed (truncated, a field twice, a time out of range).
func (s *Session) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != binaryVersion {
		return errBinary
	}
	// One copy of the whole as a string; the string fields are slices of
	// it, not a copy each.
	all := string(b)
	*s = Session{}
	var seen [tagLimit]bool
	for i := 1; i < len(b); {
		tag, n := binary.Uvarint(b[i:])
		if n <= 0 {
			return errBinary
		}
		i += n
		l, n := binary.Uvarint(b[i:])
		if n <= 0 || l > uint64(len(b)-i-n) {
			return errBinary
		}
		start, end := i+n, i+n+int(l)
		i = end
		if tag == 0 || tag >= tagLimit {
			continue // a later version's field
		}
		if seen[tag] {
			return errBinary
		}
		seen[tag] = true
		if err := s.setField(int(tag), b[start:end], all[start:end]); err != nil {
			return err
		}
	}
	if !seen[tagClaims] && s.IDToken != "" {
		// Claims left out are the ID token's (claimsAreIDToken): read
		// them back from it. A session written before that rule, or one
		// an earlier version re-saved without them, gets them back too.
		// An ID token that is not a JWS (a test's placeholder) leaves
		// them empty, as they were written.
		if c, ok := idTokenClaims(s.IDToken); ok {
			s.Claims = c
		}
	}
	return nil
}

// claimsAreIDToken reports whether s's claims are exactly its ID token's
// payload, as after a login without userinfo: they are then not written
// a second time (the ID token is most of a session's size).
func (s *Session) claimsAreIDToken() bool {
	if len(s.Claims) == 0 || s.IDToken == "" {
		return false
	}
	c, ok := idTokenClaims(s.IDToken)
	return ok && bytes.Equal(c, s.Claims)
}

// idTokenClaims is the decoded payload of a compact JWS.
func idTokenClaims(jws string) ([]byte, bool) {
	_, rest, ok1 := strings.Cut(jws, ".")
	payload, _, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return nil, false
	}
	c, err := base64.RawURLEncoding.DecodeString(payload)
	return c, err == nil && len(c) > 0
}

// setField stores the value of one tagged field, given as bytes and as the
// same bytes in a string.
func (s *Session) setField(tag int, v []byte, str string) error {
	switch tag {
	case tagExpiry, tagIssued, tagCreated, tagLastSeen:
		ns, n := binary.Varint(v)
		if n <= 0 || n != len(v) {
			return errBinary
		}
		t := time.Unix(0, ns)
		switch tag {
		case tagExpiry:
			s.Expiry = t
		case tagIssued:
			s.Issued = t
		case tagCreated:
			s.Created = t
		default:
			s.LastSeen = t
		}
		return nil
	case tagClaims:
		if len(v) == 0 {
			return errBinary // never written: empty claims are left out
		}
		s.Claims = append([]byte(nil), v...)
		return nil
	case tagExtra:
		return s.setExtra(v)
	}
	switch tag {
	case tagID:
		s.ID = str
	case tagIssuer:
		s.Issuer = str
	case tagSubject:
		s.Subject = str
	case tagProvider:
		s.Provider = str
	case tagIDToken:
		s.IDToken = str
	case tagAccessToken:
		s.AccessToken = str
	case tagRefreshToken:
		s.RefreshToken = str
	case tagTokenType:
		s.TokenType = str
	case tagSID:
		s.SID = str
	}
	return nil
}

func (s *Session) setExtra(v []byte) error {
	count, n := binary.Uvarint(v)
	// Each pair takes at least two bytes: a count past that is a lie.
	if n <= 0 || count > uint64(len(v)-n)/2 {
		return errBinary
	}
	v = v[n:]
	if count == 0 {
		// No pairs is no Extra, as MarshalBinary leaves an empty one out.
		if len(v) != 0 {
			return errBinary
		}
		return nil
	}
	s.Extra = make(map[string]string, count)
	next := func() (string, bool) {
		l, n := binary.Uvarint(v)
		if n <= 0 || l > uint64(len(v)-n) {
			return "", false
		}
		str := string(v[n : n+int(l)])
		v = v[n+int(l):]
		return str, true
	}
	for range count {
		k, ok1 := next()
		val, ok2 := next()
		if !ok1 || !ok2 {
			return errBinary
		}
		if _, dup := s.Extra[k]; dup {
			return errBinary
		}
		s.Extra[k] = val
	}
	if len(v) != 0 {
		return errBinary
	}
	return nil
}
