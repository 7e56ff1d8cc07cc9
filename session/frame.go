package session

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The cookie store's plaintext (encrypted and authenticated by
// internal/seal) frames the session's values:
//
//	version byte (2)
//	uvarint expiry, Unix seconds
//	per value: uvarint(len(key)) key uvarint(len(value)) value
//
// A *Session value is in its binary form (binary.go), any other value JSON.
// Reading it needs no scan of the whole: the Session is read back from its
// binary form, every other value stays a json.RawMessage (a copy: the
// plaintext's buffer is reused), decoded by whoever reads it. The expiry is
// the cookie's own (Max-Age), so a copy of the cookie replayed after the
// browser dropped it is refused.
const frameVersion = 2

// frame encodes values, which expire at expires.
func frame(values map[any]any, expires time.Time) ([]byte, error) {
	buf := make([]byte, 1, 512)
	buf[0] = frameVersion
	buf = binary.AppendUvarint(buf, uint64(expires.Unix()))
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("session: value key %v (%T) is not a string", k, k)
		}
		var js []byte
		switch v := v.(type) {
		case json.RawMessage:
			js = v
		case *Session:
			if v == nil {
				js = []byte("null")
				break
			}
			js = v.appendBinary(nil) // no JSON scan to read it back
		default:
			var err error
			if js, err = json.Marshal(v); err != nil {
				return nil, fmt.Errorf("session: encoding %q: %w", ks, err)
			}
		}
		buf = binary.AppendUvarint(buf, uint64(len(ks)))
		buf = append(buf, ks...)
		buf = binary.AppendUvarint(buf, uint64(len(js)))
		buf = append(buf, js...)
	}
	return buf, nil
}

// unframe fills values from a framed plaintext, keeping nothing that points
// into b; false when it is malformed or expired at now.
func unframe(b []byte, values map[any]any, now time.Time) bool {
	if len(b) == 0 || b[0] != frameVersion {
		return false
	}
	b = b[1:]
	exp, n := binary.Uvarint(b)
	if n <= 0 || exp > uint64(1<<62) || now.Unix() >= int64(exp) {
		return false
	}
	b = b[n:]
	for len(b) > 0 {
		kl, n := binary.Uvarint(b)
		if n <= 0 || kl > uint64(len(b)-n) {
			return false
		}
		key := string(b[n : n+int(kl)])
		b = b[n+int(kl):]
		vl, n := binary.Uvarint(b)
		if n <= 0 || vl > uint64(len(b)-n) {
			return false
		}
		v := b[n : n+int(vl)]
		if len(v) > 0 && v[0] == binaryVersion {
			s := new(Session)
			if s.UnmarshalBinary(v) != nil {
				return false
			}
			values[key] = s
		} else {
			values[key] = json.RawMessage(bytes.Clone(v))
		}
		b = b[n+int(vl):]
	}
	return true
}
