// Package runtest starts an example program's run function in a test, the
// way the examples' tests share.
package runtest

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"
)

// Buffer is an io.Writer safe for the program's goroutines and the test.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Run is the shape of the examples' run functions.
type Run func(ctx context.Context, getenv func(string) string, out io.Writer, ready func(addr string)) error

// Start runs run with env until the test ends, and returns its base URL
// ("http://" + the bound address) and its output.
func Start(t *testing.T, run Run, env map[string]string) (string, *Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &Buffer{}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, out, func(a string) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
		return "http://" + a, out
	case err := <-done:
		cancel()
		t.Fatalf("run: %v\n%s", err, out)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("the program did not start")
	}
	return "", nil
}
