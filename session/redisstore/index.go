package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// owner is what the index needs of a session: its issuer, the provider's
// session ID and the user.
type owner struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	SID string `json:"sid"`
}

// who reads the owner of the Gatehouse session among values.
func who(values map[any]any) owner {
	var o owner
	switch v := values["gatehouse"].(type) {
	case json.RawMessage:
		_ = json.Unmarshal(v, &o)
	default:
		if b, err := json.Marshal(v); err == nil {
			_ = json.Unmarshal(b, &o)
		}
	}
	return o
}

func (s *Store) sidKey(iss, sid string) string { return s.prefix + "sid:" + s.hash(iss+"\x00"+sid) }
func (s *Store) subKey(iss, sub string) string { return s.prefix + "sub:" + s.hash(iss+"\x00"+sub) }

// index records session h under its sid and user, for back-channel logout.
func (s *Store) index(ctx context.Context, h string, o owner, ttl time.Duration) error {
	if o.Iss == "" || (o.SID == "" && o.Sub == "") {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range s.indexKeys(o) {
			p.SAdd(ctx, k, h)
			p.Expire(ctx, k, ttl+time.Hour) // never shorter than its newest member
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: indexing a session: %w", ErrUnavailable, err)
	}
	return nil
}

func (s *Store) indexKeys(o owner) []string {
	var ks []string
	if o.SID != "" {
		ks = append(ks, s.sidKey(o.Iss, o.SID))
	}
	if o.Sub != "" {
		ks = append(ks, s.subKey(o.Iss, o.Sub))
	}
	return ks
}

// delete removes session h and its index entries.
func (s *Store) delete(ctx context.Context, h string, o owner) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.prefix+"s:"+h)
		for _, k := range s.indexKeys(o) {
			p.SRem(ctx, k, h)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: deleting a session: %w", ErrUnavailable, err)
	}
	return nil
}

// DeleteBySID deletes the session(s) of issuer iss whose provider session ID
// is sid, and reports how many there were (session.Index).
func (s *Store) DeleteBySID(ctx context.Context, iss, sid string) (int, error) {
	return s.deleteSet(ctx, s.sidKey(iss, sid))
}

// DeleteBySubject deletes every session of user sub at issuer iss
// (session.Index).
func (s *Store) DeleteBySubject(ctx context.Context, iss, sub string) (int, error) {
	return s.deleteSet(ctx, s.subKey(iss, sub))
}

func (s *Store) deleteSet(ctx context.Context, set string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	members, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: reading the session index: %w", ErrUnavailable, err)
	}
	if len(members) == 0 {
		return 0, nil
	}
	var dels []*redis.IntCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, h := range members {
			dels = append(dels, p.Del(ctx, s.prefix+"s:"+h))
		}
		p.Del(ctx, set)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%w: ending sessions: %w", ErrUnavailable, err)
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}
