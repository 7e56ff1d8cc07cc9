package redisserver

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Cluster starts n redis-servers (at least 3) in cluster mode on loopback,
// joins them with redis-cli --cluster create (no replicas), waits until
// every node reports cluster_state:ok, and returns their addresses, for
// redis.NewUniversalClient (several addresses make a ClusterClient) or
// redis.NewClusterClient.
func Cluster(t testing.TB, n int) []string {
	t.Helper()
	cli := binary(t, "redis-cli")
	var nodes []*Server
	var addrs []string
	for range n {
		s := Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		nodes = append(nodes, s)
		addrs = append(addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range nodes {
		for {
			host, port, _ := strings.Cut(s.Addr, ":")
			info, err := exec.Command(cli, "-h", host, "-p", port, "cluster", "info").Output()
			if err == nil && strings.Contains(string(info), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster %v not ready: %v %s", addrs, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return addrs
}
