package seal

import (
	"bytes"
	"strings"
	"testing"
)

func pair(h, b byte) [][]byte {
	return [][]byte{bytes.Repeat([]byte{h}, 32), bytes.Repeat([]byte{b}, 32)}
}

func mustNew(t testing.TB, keys ...[]byte) *Sealer {
	t.Helper()
	s, err := New("test", keys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpens(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	v := s.Seal("gatehouse", []byte("plain"))
	if !strings.HasPrefix(v, prefix) || strings.Contains(v, "plain") {
		t.Fatalf("sealed value %q", v)
	}
	got, err := s.Open("gatehouse", v)
	if err != nil || string(got) != "plain" {
		t.Fatalf("Open: %q, %v", got, err)
	}
	if v == s.Seal("gatehouse", []byte("plain")) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
}

func TestAttackCookieMovedToAnotherName(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	v := s.Seal("flow-a", []byte("x"))
	if _, err := s.Open("flow-b", v); err == nil {
		t.Error("a value sealed for one cookie opened under another name")
	}
	legacy, _ := s.Legacy("flow-a", []byte("x"))
	if _, err := s.Open("flow-b", legacy); err == nil {
		t.Error("a legacy value opened under another name")
	}
}

func TestAttackTamperedValue(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	v := s.Seal("n", []byte("some plaintext"))
	for i := len(prefix); i < len(v); i++ {
		b := []byte(v)
		b[i] ^= 1
		if _, err := s.Open("n", string(b)); err == nil {
			// A flipped low bit of the last base64 character may be
			// padding the decoder ignores; anything else is a forgery.
			if i == len(v)-1 {
				continue
			}
			t.Fatalf("value with byte %d flipped opened", i)
		}
	}
	for _, bad := range []string{prefix, prefix + "!!", prefix + "AAAA", "", "garbage", v[:len(v)-4]} {
		if _, err := s.Open("n", bad); err == nil {
			t.Errorf("%q opened", bad)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	old := mustNew(t, pair(1, 2)...)
	v := old.Seal("n", []byte("x"))
	legacy, _ := old.Legacy("n", []byte("x"))
	rotated := mustNew(t, append(pair(3, 4), pair(1, 2)...)...)
	for name, val := range map[string]string{"sealed": v, "legacy": legacy} {
		if got, err := rotated.Open("n", val); err != nil || string(got) != "x" {
			t.Errorf("%s under the old pair no longer opens after rotation: %v", name, err)
		}
	}
	nv := rotated.Seal("n", []byte("y"))
	if _, err := old.Open("n", nv); err == nil {
		t.Error("the new pair did not seal: the old keys open it")
	}
	if _, err := mustNew(t, pair(3, 4)...).Open("n", v); err == nil {
		t.Error("a value of a dropped pair still opens")
	}
}

// Values sealed by earlier versions (securecookie under the same pair) open.
func TestLegacyValuesOpen(t *testing.T) {
	s := mustNew(t, pair(1, 2)...)
	legacy, err := s.Legacy("n", []byte("from before"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open("n", legacy); err != nil || string(got) != "from before" {
		t.Fatalf("legacy value: %q, %v", got, err)
	}
}

func TestKeyRules(t *testing.T) {
	k := func(n int) []byte { return make([]byte, n) }
	for name, keys := range map[string][][]byte{
		"none":           nil,
		"odd":            {k(32)},
		"short hash key": {k(31), k(32)},
		"long hash key":  {k(65), k(32)},
		"AES-128 key":    {k(32), k(16)},
		"second bad":     {k(32), k(32), k(32), k(24)},
	} {
		if _, err := New("test", keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, n := range []int{32, 48, 64} {
		if _, err := New("test", [][]byte{k(n), k(32)}); err != nil {
			t.Errorf("%d-byte hash key refused: %v", n, err)
		}
	}
}

// BenchmarkOpen is one open of a 4 KB value, what a cookie session costs to
// read before its own decode.
func BenchmarkOpen(b *testing.B) {
	s := mustNew(b, pair(1, 2)...)
	v := s.Seal("gatehouse", make([]byte, 4096))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open("gatehouse", v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenLegacy is the same value sealed with securecookie.
func BenchmarkOpenLegacy(b *testing.B) {
	s := mustNew(b, pair(1, 2)...)
	v, _ := s.Legacy("gatehouse", make([]byte, 4096))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open("gatehouse", v); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzOpen feeds arbitrary cookie values to Open: never a panic, and
// nothing opens that was not sealed.
func FuzzOpen(f *testing.F) {
	s := mustNew(f, pair(1, 2)...)
	f.Add(s.Seal("n", []byte("x")))
	legacy, _ := s.Legacy("n", []byte("x"))
	f.Add(legacy)
	f.Add(prefix)
	f.Add(prefix + "____")
	f.Fuzz(func(t *testing.T, v string) {
		plain, err := s.Open("n", v)
		if err == nil && string(plain) != "x" {
			t.Fatalf("%q opened to %q", v, plain)
		}
	})
}
