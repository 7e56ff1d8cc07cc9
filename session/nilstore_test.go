package session_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
)

// The nil *CookieStore NewCookieStore returns with its error (one key, say)
// is refused by New with an error, never a panic.
func TestNewRefusesNilCookieStore(t *testing.T) {
	store, err := session.NewCookieStore([]byte("too short"))
	if err == nil {
		t.Fatal("NewCookieStore accepted a short key")
	}
	if _, err := session.New(session.Config{Store: store}); err == nil {
		t.Error("New accepted a nil *CookieStore")
	}
}
