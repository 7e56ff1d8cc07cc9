package session

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// full returns a Session with every field set, found by reflection, so a
// field added later without a place in the binary form fails the round
// trip below.
func full(t testing.TB) *Session {
	t.Helper()
	s := &Session{}
	v := reflect.ValueOf(s).Elem()
	at := time.Unix(1700000000, 123456789)
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString(v.Type().Field(i).Name + "-value")
		case time.Time:
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Second)))
		case json.RawMessage:
			f.Set(reflect.ValueOf(json.RawMessage(`{"sub":"x","groups":["a","b"]}`)))
		case map[string]string:
			f.Set(reflect.ValueOf(map[string]string{"theme": "dark", "": "empty key", "lang": ""}))
		default:
			t.Fatalf("Session.%s has type %s, which the binary form does not know", v.Type().Field(i).Name, f.Type())
		}
	}
	return s
}

// equal compares sessions field by field, times by instant.
func equal(a, b *Session) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if tx, ok := x.(time.Time); ok {
			if !tx.Equal(y.(time.Time)) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestSessionBinaryRoundTripEveryField(t *testing.T) {
	s := full(t)
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Session
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !equal(s, &back) {
		t.Errorf("round trip changed the session:\n got %+v\nwant %+v", back, *s)
	}
	// An empty session is one byte and reads back empty.
	e, _ := (&Session{}).MarshalBinary()
	if len(e) != 1 {
		t.Errorf("empty session is %d bytes, want 1", len(e))
	}
	if err := back.UnmarshalBinary(e); err != nil || !equal(&back, &Session{}) {
		t.Errorf("empty session read back as %+v, %v", back, err)
	}
}

// The binary form is smaller than the JSON one it replaced.
func TestSessionBinarySmallerThanJSON(t *testing.T) {
	s := full(t)
	b, _ := s.MarshalBinary()
	js, _ := json.Marshal(s)
	if len(b) >= len(js) {
		t.Errorf("binary %d bytes, JSON %d", len(b), len(js))
	}
}

func TestSessionBinaryRefusesMalformed(t *testing.T) {
	good, _ := full(t).MarshalBinary()
	idField := []byte{tagID, 1, 'x'}
	cases := map[string][]byte{
		"empty":             {},
		"wrong version":     append([]byte{'{'}, good[1:]...),
		"truncated":         good[:len(good)-3],
		"length past end":   {binaryVersion, tagID, 200, 'x'},
		"field twice":       append(append([]byte{binaryVersion}, idField...), idField...),
		"time with garbage": {binaryVersion, tagExpiry, 2, 0x02, 0x00},
		"time overlong":     {binaryVersion, tagExpiry, 1, 0x80},
		"extra count lies":  {binaryVersion, tagExtra, 1, 0x7f},
		"extra key twice":   {binaryVersion, tagExtra, 7, 2, 1, 'k', 0, 1, 'k', 0},
		"extra trailing":    {binaryVersion, tagExtra, 4, 1, 0, 0, 9},
		"bad tag varint":    {binaryVersion, 0x80},
	}
	for name, b := range cases {
		var s Session
		if err := s.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A field of a later version is skipped, not refused.
	later := append(append([]byte(nil), good...), tagLimit+5, 2, 'h', 'i')
	var s Session
	if err := s.UnmarshalBinary(later); err != nil || !equal(&s, full(t)) {
		t.Errorf("unknown field: %v", err)
	}
}

// A cookie written by an earlier version (the session as JSON in the frame)
// still loads.
func TestCookieFromJSONVersionStillLoads(t *testing.T) {
	store, err := NewCookieStore(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := &Session{ID: "old-id", Subject: "alice", AccessToken: "at", Expiry: now.Add(time.Hour), Created: now, LastSeen: now,
		Claims: json.RawMessage(`{"sub":"alice"}`), Extra: map[string]string{"k": "v"}}
	js, _ := json.Marshal(old)
	plain, err := frame(map[any]any{stores.ValueKey: json.RawMessage(js)}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := store.sealer.Legacy("gatehouse", plain)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", "__Host-gatehouse=1."+enc) // one chunk
	s, err := m.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(s, old) {
		t.Errorf("JSON-era session loaded as %+v", s)
	}
}

// Third-party gob stores keep the binary form too, and read it back.
func TestSessionGobUsesBinaryForm(t *testing.T) {
	var buf bytes.Buffer
	var v any = full(t)
	if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
		t.Fatal(err)
	}
	var back any
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
		t.Fatal(err)
	}
	s, ok := back.(*Session)
	if !ok || !equal(s, full(t)) {
		t.Errorf("gob round trip gave %#v", back)
	}
}

// FuzzSessionBinary feeds arbitrary bytes to the binary session reader
// (which only ever sees authenticated data): never a panic, and what reads
// writes back to a form that reads the same.
func FuzzSessionBinary(f *testing.F) {
	good, _ := full(f).MarshalBinary()
	f.Add(good)
	f.Add([]byte{binaryVersion})
	f.Add([]byte{binaryVersion, tagExtra, 7, 2, 1, 'k', 0, 1, 'j', 0})
	f.Add([]byte{binaryVersion, tagExpiry, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Session
		if s.UnmarshalBinary(b) != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Session
		if err := back.UnmarshalBinary(again); err != nil || !equal(&s, &back) {
			t.Fatalf("%+v written again reads %+v (%v)", s, back, err)
		}
	})
}

// An application claim given in two spellings reaches the application only
// under its exact name: ClaimsInto folds no case (encoding/json would give
// the later "EMAIL" to a field tagged "email").
func TestAttackCaseVariantAppClaim(t *testing.T) {
	s := &Session{Claims: json.RawMessage(`{"email":"alice@example.com","EMAIL":"mallory@example.com"}`)}
	var c struct {
		Email string `json:"email"`
	}
	if err := s.ClaimsInto(&c); err != nil || c.Email != "alice@example.com" {
		t.Errorf("email %q, %v: want the exact member's value", c.Email, err)
	}
	dup := &Session{Claims: json.RawMessage(`{"email":"a","email":"b"}`)}
	if err := dup.ClaimsInto(&c); err == nil {
		t.Error("a claim given twice was accepted")
	}
}

// TestClaimsNotStoredTwice: claims that are the ID token's payload are not
// written beside it, and read back equal; claims that differ (userinfo
// merged in) are written; a session without claims but with an ID token
// (written by an earlier version that dropped them) gets the ID token's.
func TestClaimsNotStoredTwice(t *testing.T) {
	payload := `{"iss":"https://op.example","sub":"alice","email":"alice@example.com","name":"Alice Example"}`
	idt := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	same := &Session{ID: "s1", IDToken: idt, Claims: json.RawMessage(payload)}
	b, _ := same.MarshalBinary()
	if bytes.Contains(b, []byte(payload)) {
		t.Error("the ID token's claims were written a second time")
	}
	var back Session
	if err := back.UnmarshalBinary(b); err != nil || string(back.Claims) != payload {
		t.Fatalf("read back %q, %v", back.Claims, err)
	}
	merged := `{"iss":"https://op.example","sub":"alice","groups":["a"]}`
	other := &Session{ID: "s1", IDToken: idt, Claims: json.RawMessage(merged)}
	b, _ = other.MarshalBinary()
	if err := back.UnmarshalBinary(b); err != nil || string(back.Claims) != merged {
		t.Fatalf("merged claims read back %q, %v", back.Claims, err)
	}
	dropped := &Session{ID: "s1", IDToken: idt}
	b, _ = dropped.MarshalBinary()
	if err := back.UnmarshalBinary(b); err != nil || string(back.Claims) != payload {
		t.Fatalf("a session without claims read back %q, %v", back.Claims, err)
	}
	if len(b) >= len(idt)+len(payload) {
		t.Errorf("%d bytes for an ID token of %d", len(b), len(idt))
	}
}
