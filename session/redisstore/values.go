package redisstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// sessionKey is where session.Manager keeps its Session among a gorilla
// session's Values.
const sessionKey = stores.ValueKey

// sessionFrame marks the stored form that keeps the Gatehouse session in
// its binary form (session.Session.MarshalBinary) ahead of the other
// values:
//
//	sessionFrame uvarint(len(session)) session [JSON object of the others]
//
// Reading a signed-in request then scans no JSON at all. Data written as a
// JSON object of every value, as earlier versions did, still loads.
const sessionFrame = 0xB2

// encodeValues is the stored form of values, whose keys must be strings.
// json.RawMessage values (as loaded) are written as they are.
func encodeValues(values map[any]any) ([]byte, error) {
	m := make(map[string]any, len(values))
	var sess *session.Session
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("redisstore: value key %v (%T) is not a string", k, k)
		}
		if s, ok := v.(*session.Session); ok && ks == sessionKey && s != nil {
			sess = s
			continue
		}
		m[ks] = v
	}
	if sess == nil {
		return encodeJSON(m)
	}
	bin, _ := sess.MarshalBinary()
	data := binary.AppendUvarint([]byte{sessionFrame}, uint64(len(bin)))
	data = append(data, bin...)
	if len(m) == 0 {
		return data, nil
	}
	rest, err := encodeJSON(m)
	return append(data, rest...), err
}

func encodeJSON(m map[string]any) ([]byte, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encoding the session: %w", err)
	}
	return data, nil
}

// decodeValues fills values from their stored form, the Gatehouse session
// as a *session.Session and every other value as a json.RawMessage decoded
// later by its reader; false when data is malformed.
func decodeValues(data []byte, values map[any]any) bool {
	if len(data) > 0 && data[0] == sessionFrame {
		n, k := binary.Uvarint(data[1:])
		if k <= 0 || n > uint64(len(data)-1-k) {
			return false
		}
		bin := data[1+k : 1+k+int(n)]
		s := new(session.Session)
		if s.UnmarshalBinary(bin) != nil {
			return false
		}
		values[sessionKey] = s
		if data = data[1+k+int(n):]; len(data) == 0 {
			return true
		}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for k, v := range m {
		values[k] = v
	}
	return true
}

// owner is what the back-channel-logout index needs of a session.
type owner struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	SID string `json:"sid"`
}

// ownerOf reads the owner of the Gatehouse session among values, whichever
// form it has (typed when saved by session.Manager, raw when loaded).
func ownerOf(values map[any]any) owner {
	var o owner
	switch v := values[sessionKey].(type) {
	case nil:
	case *session.Session:
		o = owner{Iss: v.Issuer, Sub: v.Subject, SID: v.SID}
	case session.Session:
		o = owner{Iss: v.Issuer, Sub: v.Subject, SID: v.SID}
	case json.RawMessage:
		_ = json.Unmarshal(v, &o)
	case []byte:
		_ = json.Unmarshal(v, &o)
	case string:
		_ = json.Unmarshal([]byte(v), &o)
	default:
		if b, err := json.Marshal(v); err == nil {
			_ = json.Unmarshal(b, &o)
		}
	}
	return o
}
