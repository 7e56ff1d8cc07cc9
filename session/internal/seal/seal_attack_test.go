package seal

import "testing"

// TestAttackTrailingBytesAfterSealedValue: a sealed value with bytes
// appended that are not base64url does not open, even when the value before
// them decodes whole (base64 decoders hand back what they decoded before
// the error).
func TestAttackTrailingBytesAfterSealedValue(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	for n := range 6 {
		v := s.Seal("n", make([]byte, n))
		if _, err := s.Open("n", v); err != nil {
			t.Fatalf("%d-byte plaintext: %v", n, err)
		}
		for _, tail := range []string{"!", "!!!!", "=", "==", " ", ".x"} {
			if _, err := s.Open("n", v+tail); err == nil {
				t.Errorf("%d-byte plaintext with %q appended opened", n, tail)
			}
		}
	}
}

// TestSealEmptyValueOpens: the shortest sealed value, an empty plaintext
// (nonce and tag alone), opens; one byte less does not.
func TestSealEmptyValueOpens(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	v := s.Seal("n", nil)
	if got, err := s.Open("n", v); err != nil || len(got) != 0 {
		t.Fatalf("empty plaintext: %q, %v", got, err)
	}
	if _, err := s.Open("n", v[:len(v)-2]); err == nil {
		t.Error("a value shorter than nonce and tag opened")
	}
}
