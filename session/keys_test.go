package session_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
)

func TestDeriveKeys(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	keys, err := session.DeriveKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys[0]) != 32 || len(keys[1]) != 32 || bytes.Equal(keys[0], keys[1]) {
		t.Fatalf("keys %x: want two distinct 32-byte keys", keys)
	}
	// The labels examples/webapp used before DeriveKeys existed: cookies
	// it sealed still open.
	h, _ := hkdf.Key(sha256.New, secret, nil, "gatehouse cookie hash key", 32)
	b, _ := hkdf.Key(sha256.New, secret, nil, "gatehouse cookie block key", 32)
	if !bytes.Equal(keys[0], h) || !bytes.Equal(keys[1], b) {
		t.Error("derivation changed: existing cookies would no longer open")
	}
	if _, err := session.NewCookieStore(keys...); err != nil {
		t.Errorf("derived keys refused by the cookie store: %v", err)
	}
	for name, s := range map[string][][]byte{"none": nil, "short": {make([]byte, 31)}, "second short": {secret, make([]byte, 8)}} {
		if _, err := session.DeriveKeys(s...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A session sealed under the old secret still loads after a new secret is
// put in front of it; one sealed under a dropped secret does not.
func TestDeriveKeysRotation(t *testing.T) {
	oldSecret, newSecret := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	manager := func(secrets ...[]byte) *session.Manager {
		keys, err := session.DeriveKeys(secrets...)
		if err != nil {
			t.Fatal(err)
		}
		store, err := session.NewCookieStore(keys...)
		if err != nil {
			t.Fatal(err)
		}
		m, err := session.New(session.Config{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cookie := login(t, manager(oldSecret), sample(10)).Header.Get("Cookie")
	req := func() *http.Request { // a new request each time: gorilla caches a session per request
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		r.Header.Set("Cookie", cookie)
		return r
	}
	if _, err := manager(newSecret, oldSecret).Load(req()); err != nil {
		t.Errorf("after rotation, a session of the old secret: %v", err)
	}
	if _, err := manager(newSecret).Load(req()); err == nil {
		t.Error("a session of a dropped secret still loads")
	}
}
