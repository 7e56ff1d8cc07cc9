package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// NewReplayRecord returns a record of DPoP proofs shared by every replica on
// one Redis, for verify.DPoPConfig.ReplayRecord: a proof one replica
// accepted is then refused as a replay by all the others. prefix is the
// keys' prefix ("gatehouse:" when empty). It does no I/O.
//
// Its one method, FirstSeen(ctx, key, ttl), is one SET NX PX of
// Prefix+"dpop:"+key (the verifier's key: a SHA-256 in hex, no raw jti or
// key), bounded by 2 s within ctx: true when the key was not there (it is
// then recorded for ttl, at least 1 ms, and expires by itself), false when
// it was. Redis failures return errors matching ErrUnavailable, which the
// verifier turns into a refusal with verify.ErrUnavailable (503), never an
// acceptance.
//
// The result is kept unexported so that this package need not import
// verify: it satisfies the DPoPConfig field by its method alone.
func NewReplayRecord(client redis.UniversalClient, prefix string) (*replayRecord, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil Redis client")
	}
	if prefix == "" {
		prefix = defaultPrefix
	}
	return &replayRecord{rdb: client, prefix: prefix + "dpop:", timeout: defaultTimeout}, nil
}

// replayRecord is what NewReplayRecord returns.
type replayRecord struct {
	rdb     redis.UniversalClient
	prefix  string // the caller's prefix and "dpop:"
	timeout time.Duration
}

// FirstSeen records key for ttl and reports whether it was not recorded yet.
func (r *replayRecord) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// SET NX answers nil when the key exists already.
	err := r.rdb.SetArgs(ctx, r.prefix+key, "1", redis.SetArgs{Mode: "NX", TTL: max(ttl, time.Millisecond)}).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%w: recording a DPoP proof: %w", ErrUnavailable, err)
	}
	return true, nil
}
