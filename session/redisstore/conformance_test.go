package redisstore_test

import (
	"testing"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session/internal/redisserver"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/session/storetest"
)

func TestConformance(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	storetest.Run(t, func(t *testing.T) sessions.Store { return newStore(t, rdb, redisstore.Config{}) })
}

// A 3-node Redis Cluster: every command is on one key, or a pipeline of
// such commands, so nothing is cross-slot.
func TestConformanceCluster(t *testing.T) {
	rdb := client(t, redisserver.Cluster(t, 3)...)
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatalf("UniversalClient over 3 addresses is a %T, want *redis.ClusterClient", rdb)
	}
	storetest.Run(t, func(t *testing.T) sessions.Store { return newStore(t, rdb, redisstore.Config{}) })
	t.Run("Index", func(t *testing.T) { testIndex(t, newStore(t, rdb, redisstore.Config{})) })
	t.Run("Lock", func(t *testing.T) { testLockExclusion(t, rdb, newStore(t, rdb, redisstore.Config{})) })
}
