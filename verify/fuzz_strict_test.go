package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzStrictJSON feeds arbitrary bytes to the strict decoders (header,
// claims, checkNames): never a panic, and whatever they accept is valid JSON
// whose top-level object has no name twice and no case variant of a
// registered name, with each claim read equal to what encoding/json reads
// under the exact name (the two can only differ when names collide).
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://op.example","sub":"alice","aud":["api","x"],"exp":1795000000.5,"scope":"a b"}`,
		`{"exp":1,"EXP":4102444800}`,
		`{"aud":"a","aud":"b"}`,
		`{"\u0061ud":"a","aud":"b"}`,
		`{"ſub":"x"}`,
		`{"sub":"\ud800"}`,
		`{"aud":["a",null]}`,
		`{"exp":1e400}`,
		`{"exp":-0.0,"nbf":123456789012345678901234567890}`,
		`{"x":[[[[[[[[[[[[[[[[[[[[{"a":1,"a":2}]]]]]]]]]]]]]]]]]]]}`,
		`{"events":{"http://schemas.openid.net/event/backchannel-logout":{}},"nonce":null}`,
		`{"alg":"RS256","crit":["b64"],"b64":false,"kid":"k"}`,
		"{\"sub\":\"\xff\"}",
		`{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h header
		_ = decodeHeader(b, &h)
		namesErr := checkNames(b, registeredNames, false)
		var c claims
		err := decodeClaims(b, &c)
		if err == nil && namesErr != nil {
			t.Fatalf("claims accepted, checkNames refused: %v", namesErr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refusal %v does not match ErrInvalid", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		names := topLevelNames(t, b)
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("accepted %q twice in %q", n, b)
			}
			seen[n] = true
			if caseVariant(n, registeredNames) {
				t.Fatalf("accepted the case variant %q in %q", n, b)
			}
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("encoding/json refuses what was accepted: %v", err)
		}
		for name, got := range map[string]string{"iss": c.Iss, "sub": c.Sub, "jti": c.Jti, "nonce": c.Nonce, "sid": c.Sid} {
			var want string
			if raw, ok := m[name]; ok {
				_ = json.Unmarshal(raw, &want)
			}
			if got != want {
				t.Fatalf("%s read as %q, encoding/json reads %q", name, got, want)
			}
		}
	})
}

// topLevelNames lists the member names of the object b, unescaped, with
// encoding/json's tokenizer.
func topLevelNames(t *testing.T, b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var names []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return names
}

// TestStrictJSONFolding pins the folding the case-variant check relies on:
// strings.EqualFold folds U+017F to "s" and U+212A to "k".
func TestStrictJSONFolding(t *testing.T) {
	for _, n := range []string{"ſub", "\u212aid", "EXP", "Nonce", "AT_HASH"} {
		if !caseVariant(n, registeredNames) {
			t.Errorf("%q is not seen as a case variant", n)
		}
	}
	for _, n := range []string{"sub", "email", "subject", "ex", strings.Repeat("s", 100)} {
		if caseVariant(n, registeredNames) {
			t.Errorf("%q is seen as a case variant", n)
		}
	}
}
