// Package redistest starts real redis-server processes for tests, shaped
// like net/http/httptest: on random loopback ports, in the test's temporary
// directory, without persistence (--save "" --appendonly no), stopped at
// cleanup. Middleware and example tests use it as well as redisstore's.
//
// When redis-server is not installed the test is skipped with a loud
// message, unless the environment has CI=true, where it fails: CI must run
// what the tests need (Debian: apt-get install -y redis-server).
package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Binary returns the path of the program name (redis-server, redis-cli),
// or skips the test, loudly, when it is missing; under CI=true it fails
// the test instead.
func Binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not installed: apt-get install -y redis-server (Redis tests NOT RUN): %v", name, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIP! " + msg)
	return ""
}
