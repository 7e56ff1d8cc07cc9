package session

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// TestAttackSessionBinaryMalformed: stored session data that a store (or
// whoever can write to it) corrupted is refused with an error, never a
// panic, a loop or a large allocation, and never read as something else.
func TestAttackSessionBinaryMalformed(t *testing.T) {
	overflow := append(bytes.Repeat([]byte{0xff}, 10), 0x01) // a varint past 64 bits
	field := func(tag byte, v []byte) []byte { return append([]byte{binaryVersion, tag, byte(len(v))}, v...) }
	rows := map[string][]byte{
		"tag varint overflows":          append([]byte{binaryVersion}, overflow...),
		"length varint overflows":       append([]byte{binaryVersion, tagID}, overflow...),
		"empty time":                    field(tagExpiry, nil),
		"empty extra":                   field(tagExtra, nil),
		"extra length varint overflows": field(tagExtra, append([]byte{1}, overflow...)),
	}
	for name, b := range rows {
		t.Run(name, func(t *testing.T) {
			var s Session
			if err := s.UnmarshalBinary(b); err == nil {
				t.Errorf("accepted: %+v", s)
			}
		})
	}
}

// TestAttackSessionBinaryExtraCountAllocates: an extra-values count far
// beyond what its bytes can hold is refused before any map of that size is
// made.
func TestAttackSessionBinaryExtraCountAllocates(t *testing.T) {
	v := binary.AppendUvarint(nil, 1<<22)
	v = append(v, 0, 0, 0, 0)
	b := append([]byte{binaryVersion, tagExtra, byte(len(v))}, v...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var s Session
	err := s.UnmarshalBinary(b)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatalf("a count of %d extra values in %d bytes accepted", 1<<22, len(v))
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing it allocated %d bytes", n)
	}
}

// TestSessionBinaryEdgeValues: the smallest extra value (one pair, empty
// key and value: two bytes) and a field of a later version numbered
// exactly one past this version's last tag round-trip.
func TestSessionBinaryEdgeValues(t *testing.T) {
	s := &Session{Extra: map[string]string{"": ""}}
	b, _ := s.MarshalBinary()
	var got Session
	if err := got.UnmarshalBinary(b); err != nil || !equal(&got, s) {
		t.Errorf("Extra {\"\": \"\"}: %v %+v", err, got)
	}
	later := append(b, tagLimit, 1, 'x')
	if err := got.UnmarshalBinary(later); err != nil || !equal(&got, s) {
		t.Errorf("a field tagged %d: %v", tagLimit, err)
	}
}
