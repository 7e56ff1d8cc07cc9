package middleware_test

import (
	"strings"
	"testing"
)

// Without node, or without npm ci run in testdata/oidc-provider, the
// interop tests skip with a "NOT RUN:" line that says what to do.
func TestInteropMissingSaysWhatToDo(t *testing.T) {
	t.Run("no node", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if _, _, msg := interopMissing(); !strings.HasPrefix(msg, "NOT RUN: the oidc-provider interop tests need node, which is not installed (apt-get install -y nodejs npm") {
			t.Errorf("%q", msg)
		}
	})
	t.Run("no npm ci", func(t *testing.T) {
		if _, _, msg := interopMissing(); msg != "" {
			t.Skip(msg) // node itself is missing here
		}
		t.Chdir(t.TempDir())
		if _, _, msg := interopMissing(); msg != "NOT RUN: the oidc-provider interop tests need oidc-provider, which is not installed: run npm ci in middleware/testdata/oidc-provider" {
			t.Errorf("%q", msg)
		}
	})
}
