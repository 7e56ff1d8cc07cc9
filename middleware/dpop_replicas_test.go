package middleware_test

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// dpopReplica is one replica of a DPoP-protecting API whose proofs are
// recorded in Redis, its Redis commands logged.
type dpopReplica struct {
	*api
	rdb *redis.Client
	log *commandLog
}

// newDPoPReplicas is n replicas of an API behind bearer.New, each with its
// own DPoPVerifier on a clock fixed at now, sharing one replay record in
// Redis at addr under prefix "t:".
func newDPoPReplicas(t *testing.T, op *oidctest.Server, addr string, now time.Time, n int) []dpopReplica {
	t.Helper()
	var rs []dpopReplica
	for range n {
		// Down is "connection refused" at once; a loaded machine may be
		// slow to answer 20 requests at once.
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second,
			ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
		t.Cleanup(func() { rdb.Close() })
		log := &commandLog{}
		rdb.AddHook(log)
		record, err := redisstore.NewReplayRecord(rdb, "t:")
		if err != nil {
			t.Fatal(err)
		}
		dv, err := verify.NewDPoPVerifier(verify.DPoPConfig{ReplayRecord: record, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, dpopReplica{newAPI(t, op, verify.Config{}, bearer.Config{DPoP: dv}), rdb, log})
	}
	return rs
}

// dpopReplicaSet is a Redis, a provider, n replicas on a clock fixed at now,
// and a client's key and token bound to it.
type dpopReplicaSet struct {
	srv *redistest.Server
	op  *oidctest.Server
	now time.Time
	rs  []dpopReplica
	k   *proofKey
	tok string
}

func newDPoPReplicaSet(t *testing.T, n int) *dpopReplicaSet {
	t.Helper()
	f := &dpopReplicaSet{srv: redistest.Start(t), op: oidctest.NewServer(), now: time.Now(), k: newProofKey(t)}
	t.Cleanup(f.op.Close)
	f.rs = newDPoPReplicas(t, f.op, f.srv.Addr, f.now, n)
	f.tok = boundToken(f.op, f.k.jkt)
	return f
}

// proof is a new proof for a GET of /me with the token, issued at iat,
// its other claims overridden by claims.
func (f *dpopReplicaSet) proof(iat time.Time, claims map[string]any) string {
	c := map[string]any{"iat": iat.Unix()}
	maps.Copy(c, claims)
	return f.k.proof(f.op, "GET", meURI, f.tok, nil, c)
}

// send sends a GET of /me with the token and proof p to replica i.
func (f *dpopReplicaSet) send(i int, p string) (*httptest.ResponseRecorder, error) {
	return f.rs[i].do(dpopGet("/me", f.tok, p))
}

// TestAttackDPoPProofReplayedOnAnotherReplica: replicas sharing a
// redisstore replay record refuse, each, a proof another one accepted, and
// the same proof sent many times at once, to one replica or to both,
// passes exactly once.
func TestAttackDPoPProofReplayedOnAnotherReplica(t *testing.T) {
	f := newDPoPReplicaSet(t, 2)
	p := f.proof(f.now, nil)
	if w, err := f.send(0, p); w.Code != 200 {
		t.Fatalf("first use on replica 0: %d %v", w.Code, err)
	}
	for i := range f.rs {
		w, err := f.send(i, p)
		if w.Code != 401 || !errors.Is(err, verify.ErrDPoPProof) || !strings.Contains(err.Error(), "replay") ||
			!strings.Contains(strings.Join(w.Header().Values("WWW-Authenticate"), ", "), `error="invalid_dpop_proof"`) {
			t.Errorf("replayed on replica %d: %d %q %v", i, w.Code, w.Header().Values("WWW-Authenticate"), err)
		}
	}

	// 20 uses at once, on one replica, then spread over both: one 200,
	// and every other use a replay, whichever the order of the answers.
	for _, replicas := range []int{1, 2} {
		for range 5 {
			p := f.proof(f.now, nil)
			var passed, replays atomic.Int32
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					// The api's last error is shared by concurrent
					// requests: the challenge tells the refusal.
					w, _ := f.send(i%replicas, p)
					www := strings.Join(w.Header().Values("WWW-Authenticate"), ", ")
					switch {
					case w.Code == 200:
						passed.Add(1)
					case w.Code == 401 && strings.Contains(www, "(replay)"):
						replays.Add(1)
					default:
						t.Errorf("%d %q", w.Code, www)
					}
				})
			}
			wg.Wait()
			if n, r := passed.Load(), replays.Load(); n != 1 || r != 19 {
				t.Fatalf("20 concurrent uses on %d replicas: %d passed, %d refused as replays; want 1 and 19", replicas, n, r)
			}
		}
	}
}

// TestDPoPReplayRecordInRedis: what Redis holds (a hash under the prefix,
// never the jti, expiring when the proof's iat leaves the window), and that
// a proof the replica saw itself is refused without a round trip.
func TestDPoPReplayRecordInRedis(t *testing.T) {
	f := newDPoPReplicaSet(t, 1)
	r := f.rs[0]
	ctx := context.Background()
	// iat 50 s ago: 10 s of the default 60 s window are left.
	iat := f.now.Add(-50 * time.Second).Truncate(time.Second)
	p := f.proof(iat, map[string]any{"jti": "the-jti"})
	r.rdb.Ping(ctx) // the connection's handshake, before the count
	r.log.take()
	if w, err := f.send(0, p); w.Code != 200 {
		t.Fatalf("%d %v", w.Code, err)
	}
	if got := r.log.take(); len(got) != 1 || got[0] != "set" {
		t.Errorf("commands for a new proof: %q, want one SET", got)
	}
	keys := r.rdb.Keys(ctx, "*").Val()
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "t:dpop:") || len(keys[0]) != len("t:dpop:")+64 || strings.Contains(keys[0], "the-jti") {
		t.Fatalf("keys %q, want one t:dpop:<64 hex digits>", keys)
	}
	window := iat.Add(60 * time.Second).Sub(f.now)
	if ttl := r.rdb.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > window {
		t.Errorf("PTTL %v, want within (0, %v]: until iat leaves the window", ttl, window)
	}
	r.log.take()
	// The replay on the same replica: refused by its own record first.
	if w, err := f.send(0, p); w.Code != 401 || !errors.Is(err, verify.ErrDPoPProof) {
		t.Fatalf("replay: %d %v", w.Code, err)
	}
	if got := r.log.take(); len(got) != 0 {
		t.Errorf("commands for a replay seen here: %q, want none", got)
	}
	// A proof at the edge of the future leeway: kept at most MaxAge+Leeway.
	if w, err := f.send(0, f.proof(f.now.Add(5*time.Second), nil)); w.Code != 200 {
		t.Fatalf("%d %v", w.Code, err)
	}
	for _, key := range r.rdb.Keys(ctx, "t:dpop:*").Val() {
		if ttl := r.rdb.PTTL(ctx, key).Val(); ttl <= 0 || ttl > 65*time.Second {
			t.Errorf("PTTL %v, want within (0, 65s]", ttl)
		}
	}
}

// TestAttackDPoPProofWhileReplayRecordDown: with Redis down a proof is
// neither accepted nor called a replay: 503, on every replica; sent again
// once Redis is back, the same proof passes once.
func TestAttackDPoPProofWhileReplayRecordDown(t *testing.T) {
	f := newDPoPReplicaSet(t, 2)
	p := f.proof(f.now, nil)
	f.srv.Stop()
	for i := range f.rs {
		w, err := f.send(i, p)
		if w.Code != 503 || !errors.Is(err, verify.ErrUnavailable) || !errors.Is(err, redisstore.ErrUnavailable) ||
			errors.Is(err, verify.ErrDPoPProof) || w.Header().Get("WWW-Authenticate") != "" {
			t.Fatalf("Redis down, replica %d: %d %q %v", i, w.Code, w.Header().Values("WWW-Authenticate"), err)
		}
		if strings.Contains(w.Body.String(), "127.0.0.1") || !strings.Contains(w.Body.String(), "temporarily_unavailable") {
			t.Errorf("503 body %s", w.Body)
		}
	}
	f.srv.Restart()
	if w, err := f.send(1, p); w.Code != 200 {
		t.Fatalf("the proof sent again once Redis is back: %d %v", w.Code, err)
	}
	if w, err := f.send(0, p); w.Code != 401 || !errors.Is(err, verify.ErrDPoPProof) {
		t.Fatalf("then replayed on the other replica: %d %v", w.Code, err)
	}
}
