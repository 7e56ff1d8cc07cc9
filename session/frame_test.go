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
		if !unframe(again, back, now) || !maps.EqualFunc(values, back, func(a, b any) bool {
			return string(a.(json.RawMessage)) == string(b.(json.RawMessage))
		}) {
			t.Fatalf("%v framed again reads %v", values, back)
		}
	})
}

func TestFrameExpiry(t *testing.T) {
	now := time.Now()
	b, _ := frame(map[any]any{"a": "b"}, now.Add(time.Minute))
	if !unframe(b, map[any]any{}, now) || unframe(b, map[any]any{}, now.Add(time.Minute)) {
		t.Error("sealed expiry not honored")
	}
}
