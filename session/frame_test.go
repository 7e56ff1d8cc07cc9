package session

import (
	"encoding/json"
	"maps"
	"testing"
	"time"
)

// FuzzUnframe feeds arbitrary plaintexts to the frame parser (which only
// ever sees authenticated ones): never a panic, and what parses frames back
// to the same values.
func FuzzUnframe(f *testing.F) {
	seed, _ := frame(map[any]any{"gatehouse": json.RawMessage(`{"id":"x"}`), "k": 1}, time.Now().Add(time.Hour))
	f.Add(seed)
	withSession, _ := frame(map[any]any{"gatehouse": &Session{ID: "x", Subject: "alice"}, "k": "v"}, time.Now().Add(time.Hour))
	f.Add(withSession)
	f.Add([]byte{frameVersion})
	f.Add([]byte{frameVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{1, 3, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		now := time.Unix(1e9, 0)
		values := map[any]any{}
		if !unframe(b, values, now) {
			return
		}
		again, err := frame(values, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		back := map[any]any{}
		if !unframe(again, back, now) || !maps.EqualFunc(values, back, sameValue) {
			t.Fatalf("%v framed again reads %v", values, back)
		}
		// Nothing read points into the plaintext, whose buffer is reused.
		before := maps.Clone(values)
		for i := range b {
			b[i] ^= 0xff
		}
		if !maps.EqualFunc(values, before, sameValue) {
			t.Fatal("a value changed with the plaintext it was read from")
		}
	})
}

// sameValue compares two values unframe read: Sessions by their binary
// form, the rest by their JSON bytes.
func sameValue(a, b any) bool {
	if sa, ok := a.(*Session); ok {
		sb, ok := b.(*Session)
		x, _ := sa.MarshalBinary()
		y, _ := sb.MarshalBinary()
		return ok && string(x) == string(y)
	}
	ra, ok1 := a.(json.RawMessage)
	rb, ok2 := b.(json.RawMessage)
	return ok1 && ok2 && string(ra) == string(rb)
}

func TestFrameExpiry(t *testing.T) {
	now := time.Now()
	b, _ := frame(map[any]any{"a": "b"}, now.Add(time.Minute))
	if !unframe(b, map[any]any{}, now) || unframe(b, map[any]any{}, now.Add(time.Minute)) {
		t.Error("sealed expiry not honored")
	}
}
