package redisserver

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// binary returns the path of the program name (redis-server, redis-cli),
// or skips the test, loudly, when it is missing; under CI=true it fails
// the test instead.
func binary(t testing.TB, name string) string {
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
