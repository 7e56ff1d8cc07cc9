package middleware_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/login"
)

// TestAttackReturnToUndecodable: a return_to whose percent-encoding does
// not decode, at any of the three levels checked ("/%2525zz" fails at the
// third), is refused: never returned empty, never passed on for the
// browser to decode its own way.
func TestAttackReturnToUndecodable(t *testing.T) {
	for _, s := range []string{"/%zz", "/a%2", "/%", "/%252", "/ok%2f%zz", "/%2525zz"} {
		if got, ok := login.SafeReturnTo(s); ok {
			t.Errorf("SafeReturnTo(%q) = %q, true", s, got)
		}
	}
}

// TestAttackReturnToOverlong: return_to is bounded at 2048 bytes: a path of
// exactly that length is kept, one byte more is refused.
func TestAttackReturnToOverlong(t *testing.T) {
	edge := "/" + strings.Repeat("a", 2047)
	if got, ok := login.SafeReturnTo(edge); !ok || got != edge {
		t.Errorf("a 2048-byte path refused")
	}
	if _, ok := login.SafeReturnTo(edge + "a"); ok {
		t.Errorf("a 2049-byte path accepted")
	}
}

// TestReturnToColonIsAPath: a colon after the leading slash is part of the
// path, which a browser resolves against this origin: kept as it is.
func TestReturnToColonIsAPath(t *testing.T) {
	for _, s := range []string{"/javascript:alert(1)", "/a:b", "/x?next=https://evil.example"} {
		if got, ok := login.SafeReturnTo(s); !ok || got != s {
			t.Errorf("SafeReturnTo(%q) = %q, %v", s, got, ok)
		}
	}
}
