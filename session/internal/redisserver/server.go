package redisserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one running redis-server.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string

	t      testing.TB
	bin    string
	dir    string
	args   []string
	mu     sync.Mutex
	cmd    *exec.Cmd
	paused bool
}

// Start runs a redis-server on a free loopback port, in a temporary
// directory, with no persistence of its own: --save "" --appendonly no, then
// extra arguments (which may override these). It is killed at cleanup.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin := binary(t, "redis-server")
	cluster := false
	for _, a := range extra {
		cluster = cluster || a == "--cluster-enabled"
	}
	var last error
	for range 5 {
		port := freePort(t, cluster)
		s := &Server{t: t, bin: bin, dir: t.TempDir(), Addr: "127.0.0.1:" + strconv.Itoa(port)}
		s.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", s.dir,
			"--save", "", "--appendonly", "no", "--protected-mode", "no"}, extra...)
		if last = s.run(); last == nil {
			t.Cleanup(s.kill)
			return s
		}
	}
	t.Fatalf("redistest: starting redis-server: %v", last)
	return nil
}

// run starts the process and waits until it answers PING.
func (s *Server) run() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	log, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.do("PING"); err == nil {
			break
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited: %s", lastLines(string(b), 5))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("redis-server did not answer PING within 10 s")
		}
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	go func() {
		<-exited
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cmd == cmd {
			s.cmd = nil
		}
	}()
	return nil
}

// Stop shuts the server down, as an outage: clients get "connection
// refused". Its data is kept for Restart (it is SAVEd to dump.rdb first,
// which Restart loads).
func (s *Server) Stop() {
	s.t.Helper()
	s.Resume()
	if _, err := s.do("SAVE"); err != nil {
		s.t.Errorf("redistest: SAVE before stopping: %v", err)
	}
	s.kill()
}

// Restart starts a stopped server again, on the same port, with the data
// it had when stopped.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.run(); err != nil {
		s.t.Fatalf("redistest: restarting redis-server on %s: %v", s.Addr, err)
	}
}

// Pause freezes the server (SIGSTOP), as a hung Redis: connections open
// but nothing answers, so clients time out. Its data stays in memory.
func (s *Server) Pause() {
	s.signal(syscall.SIGSTOP, true)
}

// Resume undoes Pause (SIGCONT).
func (s *Server) Resume() {
	s.signal(syscall.SIGCONT, false)
}

func (s *Server) signal(sig syscall.Signal, paused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.paused == paused {
		return
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Errorf("redistest: %v: %v", sig, err)
	}
	s.paused = paused
}

// kill ends the process, without saving.
func (s *Server) kill() {
	s.mu.Lock()
	cmd, paused := s.cmd, s.paused
	s.cmd, s.paused = nil, false
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if paused {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = cmd.Process.Kill()
	// Wait until the port is free again (the waiter reaps the process).
	for i := 0; i < 200; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// do sends one command (space-separated words, no quoting) and returns the
// first line of the answer.
func (s *Server) do(command string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprint(c, command+"\r\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "-") {
		return "", errors.New(line[1:])
	}
	return line, nil
}

// freePort returns a loopback port nobody listens on; for a cluster node,
// one whose bus port (port+10000) is free too.
func freePort(t testing.TB, bus bool) int {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		if bus {
			l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
			if ok = err == nil; ok {
				l2.Close()
			}
		}
		l.Close()
		if ok {
			return port
		}
	}
	t.Fatal("redistest: no free port pair for a cluster node")
	return 0
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
