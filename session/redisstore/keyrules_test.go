package redisstore_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
)

// The README hands the cookie store and redisstore the same keys: both take
// and refuse exactly the same ones (one rule, in session/internal/seal).
func TestSameKeyRulesAsCookieStore(t *testing.T) {
	rdb := client(t, "127.0.0.1:1") // never dialled: New does no I/O
	k := func(n int) []byte { return make([]byte, n) }
	for _, keys := range [][][]byte{
		nil, {k(32)}, {k(31), k(32)}, {k(32), k(32)}, {k(48), k(32)}, {k(64), k(32)},
		{k(65), k(32)}, {k(32), k(16)}, {k(32), k(32), k(32), k(24)}, {k(64), k(32), k(32), k(32)},
	} {
		_, cerr := session.NewCookieStore(keys...)
		_, rerr := redisstore.New(rdb, redisstore.Config{KeyPairs: keys})
		if (cerr == nil) != (rerr == nil) {
			t.Errorf("keys of sizes %v: cookie store says %v, redisstore %v", sizes(keys), cerr, rerr)
		}
	}
}

func sizes(keys [][]byte) []int {
	var n []int
	for _, k := range keys {
		n = append(n, len(k))
	}
	return n
}
