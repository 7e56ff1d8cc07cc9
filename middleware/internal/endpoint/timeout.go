package endpoint

import (
	"net/http"
	"time"
)

// DefaultTimeout bounds every outbound call whose HTTP client has none, as
// verify's does for discovery and keys: the one default for logins,
// refreshes, revocations and the machine-to-machine clients.
const DefaultTimeout = 10 * time.Second

// WithTimeout returns c, or a default client, always with a timeout.
func WithTimeout(c *http.Client) *http.Client {
	if c == nil {
		return &http.Client{Timeout: DefaultTimeout}
	}
	if c.Timeout == 0 {
		cc := *c
		cc.Timeout = DefaultTimeout
		return &cc
	}
	return c
}
