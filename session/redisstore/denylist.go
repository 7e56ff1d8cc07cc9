package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
)

// DenyList is a session.DenyList shared by every replica on one Redis: for
// applications that keep sessions in cookies (session.CookieStore) but run
// several replicas, so that a logout on one replica also refuses, on every
// other, a copy of the cookie taken before it. (With the redisstore Store
// itself no deny list is needed: a logout deletes the session's data.)
//
// Each denied session is one key, Prefix+"deny:"+hex(SHA-256(ID)), expiring
// when the session would have: the list holds no raw ID and cleans itself.
// Denied is one EXISTS per signed-in request. Redis failures return errors
// matching ErrUnavailable, which session.Manager answers with 503, never
// with "signed out" and never by letting a denied session through.
type DenyList struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// Compile-time check.
var _ session.DenyList = (*DenyList)(nil)

// NewDenyList returns a DenyList on client under prefix ("gatehouse:" when
// empty). It does no I/O.
func NewDenyList(client redis.UniversalClient, prefix string) (*DenyList, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil Redis client")
	}
	if prefix == "" {
		prefix = defaultPrefix
	}
	return &DenyList{rdb: client, prefix: prefix, timeout: defaultTimeout}, nil
}

func (d *DenyList) key(id string) string { return d.prefix + "deny:" + idHash(id) }

// Deny records id as ended until until.
func (d *DenyList) Deny(ctx context.Context, id string, until time.Time) error {
	ttl := time.Until(until)
	if ttl <= 0 {
		return nil // over already
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	// Denied twice, the ID keeps the later expiry (PEXPIREAT GT); SET NX
	// answers nil when the key exists already.
	k := d.key(id)
	var set *redis.StatusCmd
	var expire *redis.Cmd
	_, _ = d.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetArgs(ctx, k, "1", redis.SetArgs{Mode: "NX", ExpireAt: until})
		expire = p.Do(ctx, "PEXPIREAT", k, until.UnixMilli(), "GT")
		return nil
	})
	for _, err := range []error{set.Err(), expire.Err()} {
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: denying a session: %w", ErrUnavailable, err)
		}
	}
	return nil
}

// Denied reports whether id was denied and its time is not up.
func (d *DenyList) Denied(ctx context.Context, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	n, err := d.rdb.Exists(ctx, d.key(id)).Result()
	if err != nil {
		return false, fmt.Errorf("%w: reading the deny list: %w", ErrUnavailable, err)
	}
	return n > 0, nil
}
