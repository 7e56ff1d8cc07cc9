package redisserver

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// binary returns the path of the program name (redis-server, redis-cli),
// or skips the test, loudly, when it is missing: its message starts with
// "NOT RUN:" (go test -v ./... | grep 'NOT RUN' lists them) and says what
// to install; under CI=true it fails the test instead.
func binary(t testing.TB, name string) string {
	t.Helper()
	p, missing := lookup(name)
	if missing == "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
	return ""
}

// lookup returns the path of the program name, or the "NOT RUN:" line
// that its absence skips the tests with.
func lookup(name string) (path, missing string) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Sprintf("NOT RUN: the Redis tests need %s, which is not installed (apt-get install -y redis-server)", name)
	}
	return p, ""
}
