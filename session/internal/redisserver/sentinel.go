package redisserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Sentinel runs one redis-server in Sentinel mode on a free loopback port,
// watching the master at masterAddr under the name master, with quorum 1
// and a 1 s down-after time, so a test can fail over quickly. Sentinel
// finds the master's replicas by itself. Pass its Addr with the master name
// to redis.NewUniversalClient (MasterName set makes a failover client).
func Sentinel(t testing.TB, master, masterAddr string) *Server {
	t.Helper()
	bin := binary(t, "redis-server")
	host, port, ok := strings.Cut(masterAddr, ":")
	if !ok {
		t.Fatalf("redistest: master address %q is not host:port", masterAddr)
	}
	var last error
	for range 5 {
		p := freePort(t, false)
		s := &Server{t: t, bin: bin, dir: t.TempDir(), Addr: "127.0.0.1:" + strconv.Itoa(p)}
		conf := filepath.Join(s.dir, "sentinel.conf")
		body := strings.Join([]string{
			"port " + strconv.Itoa(p),
			"bind 127.0.0.1",
			"protected-mode no",
			"dir " + s.dir,
			fmt.Sprintf("sentinel monitor %s %s %s 1", master, host, port),
			fmt.Sprintf("sentinel down-after-milliseconds %s 1000", master),
			fmt.Sprintf("sentinel failover-timeout %s 5000", master),
		}, "\n") + "\n"
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		// The config file comes first; Sentinel rewrites it as it learns.
		s.args = []string{conf, "--sentinel"}
		if last = s.run(); last == nil {
			t.Cleanup(s.kill)
			return s
		}
	}
	t.Fatalf("redistest: starting redis-server --sentinel: %v", last)
	return nil
}
