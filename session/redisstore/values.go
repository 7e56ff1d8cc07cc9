package redisstore

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse-go/gatehouse/session"
)

// sessionKey is where session.Manager keeps its Session among a gorilla
// session's Values.
const sessionKey = session.ValueKey

// encodeValues is the JSON object of values, whose keys must be strings.
// json.RawMessage values (as loaded) are written as they are.
func encodeValues(values map[any]any) ([]byte, error) {
	m := make(map[string]any, len(values))
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("redisstore: value key %v (%T) is not a string", k, k)
		}
		m[ks] = v
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encoding the session: %w", err)
	}
	return data, nil
}

// decodeValues fills values from stored JSON, each value a json.RawMessage
// decoded later by its reader; false when data is not a JSON object.
func decodeValues(data []byte, values map[any]any) bool {
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
