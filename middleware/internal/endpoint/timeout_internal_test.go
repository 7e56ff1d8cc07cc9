package endpoint

import (
	"net/http"
	"testing"
	"time"
)

// Every outbound client gets the one default timeout when it has none; a
// caller's own client is copied, never changed.
func TestWithTimeout(t *testing.T) {
	if c := WithTimeout(nil); c.Timeout != DefaultTimeout {
		t.Errorf("no client: timeout %v", c.Timeout)
	}
	mine := &http.Client{}
	if c := WithTimeout(mine); c.Timeout != DefaultTimeout || c == mine || mine.Timeout != 0 {
		t.Errorf("client without a timeout: got %v (same client %v), caller's now %v", c.Timeout, c == mine, mine.Timeout)
	}
	set := &http.Client{Timeout: time.Second}
	if c := WithTimeout(set); c != set {
		t.Error("a client with a timeout was replaced")
	}
	if DefaultTimeout != 10*time.Second {
		t.Errorf("default %v, the README and verify say 10 s", DefaultTimeout)
	}
}
