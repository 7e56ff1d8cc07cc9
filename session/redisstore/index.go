package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// indexScript adds a session to one index set (KEYS[1]): a sorted set of
// session hashes scored by their expiry (ms since the epoch). It drops the
// members that expired (ARGV[3] = now, less a margin for clock skew between
// replicas), so the set stays as small as the user's live sessions, and
// makes the set live as long as its longest-lived member. One key: fine on
// Redis Cluster.
const indexScript = `
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. ARGV[3])
redis.call("ZADD", KEYS[1], ARGV[2], ARGV[1])
local last = redis.call("ZRANGE", KEYS[1], -1, -1, "WITHSCORES")
redis.call("PEXPIREAT", KEYS[1], math.floor(tonumber(last[2])) + 60000)
return 1`

// skew is how far replicas' clocks may differ.
const skew = time.Minute

// index queues, on p, the entries of session h (expiring at exp) in the
// sid and subject sets of its owner. Sessions without an issuer, or with
// neither sid nor subject, are not indexed.
func (s *Store) index(ctx context.Context, p redis.Pipeliner, h string, o owner, exp time.Time) {
	now := strconv.FormatInt(time.Now().Add(-skew).UnixMilli(), 10)
	score := strconv.FormatInt(exp.UnixMilli(), 10)
	for _, k := range s.indexKeys(o) {
		p.Eval(ctx, indexScript, []string{k}, h, score, now)
	}
}

// unindex queues, on p, the removal of session h from its owner's sets.
func (s *Store) unindex(ctx context.Context, p redis.Pipeliner, h string, o owner) {
	for _, k := range s.indexKeys(o) {
		p.ZRem(ctx, k, h)
	}
}

func (s *Store) indexKeys(o owner) []string {
	if o.Iss == "" {
		return nil
	}
	var ks []string
	if o.SID != "" {
		ks = append(ks, s.sidKey(o.Iss, o.SID))
	}
	if o.Sub != "" {
		ks = append(ks, s.subKey(o.Iss, o.Sub))
	}
	return ks
}

// DeleteBySID deletes the sessions of issuer iss whose provider session ID
// (the ID token's sid claim) is sid, and reports how many it deleted
// (session.Index, for back-channel logout).
func (s *Store) DeleteBySID(ctx context.Context, iss, sid string) (int, error) {
	if iss == "" || sid == "" {
		return 0, nil
	}
	return s.deleteIndexed(ctx, s.sidKey(iss, sid))
}

// DeleteBySubject deletes every session of user sub at issuer iss, and
// reports how many it deleted (session.Index, for back-channel logout).
func (s *Store) DeleteBySubject(ctx context.Context, iss, sub string) (int, error) {
	if iss == "" || sub == "" {
		return 0, nil
	}
	return s.deleteIndexed(ctx, s.subKey(iss, sub))
}

// deleteIndexed deletes the sessions listed in one index set, and their
// entries in every set they are listed in (the sid set and the subject set),
// so a back-channel logout leaves no index entry behind either.
func (s *Store) deleteIndexed(ctx context.Context, set string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	members, err := s.rdb.ZRange(ctx, set, 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: reading the session index: %w", ErrUnavailable, err)
	}
	if len(members) == 0 {
		return 0, nil
	}
	n, err := s.deleteOwned(ctx, members)
	if err != nil {
		return 0, err
	}
	// Only the members read, and only now: a login meanwhile keeps its
	// entry, and a session whose data had already gone leaves this set too.
	rem := make([]any, len(members))
	for i, h := range members {
		rem[i] = h
	}
	if err := s.rdb.ZRem(ctx, set, rem...).Err(); err != nil {
		return n, fmt.Errorf("%w: ending sessions: %w", ErrUnavailable, err)
	}
	return n, nil
}

// deleteOwned deletes the sessions whose ID hashes are hs, reading each
// one's owner as it goes (GETDEL), then takes them out of their owners' index
// sets. It reports how many sessions existed. Each command is one of its own
// in a pipeline, so the keys may live on any Cluster node.
func (s *Store) deleteOwned(ctx context.Context, hs []string) (int, error) {
	gets := make([]*redis.StringCmd, len(hs))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hs {
			gets[i] = p.GetDel(ctx, s.dataKey(h))
		}
		return nil
	})
	for _, g := range gets {
		if err := g.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("%w: ending sessions: %w", ErrUnavailable, err)
		}
	}
	n := 0
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, g := range gets {
			data, err := g.Bytes()
			if err != nil {
				continue // already gone
			}
			n++
			values := map[any]any{}
			if decodeValues(data, values) {
				s.unindex(ctx, p, hs[i], ownerOf(values))
			}
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("%w: ending sessions: %w", ErrUnavailable, err)
	}
	return n, nil
}
