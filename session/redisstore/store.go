package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/internal/seal"
	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// Store is a gorilla sessions.Store keeping sessions in Redis and only
// their signed, encrypted IDs in cookies. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	sealer  *seal.Sealer
	prefix  string
	opts    sessions.Options
	ttl     time.Duration // of a session whose MaxAge is 0
	timeout time.Duration
}

// Compile-time checks of the interfaces Store offers.
var (
	_ sessions.Store = (*Store)(nil)
	_ session.Locker = (*Store)(nil)
	_ session.Index  = (*Store)(nil)
)

// New checks c and returns a Store on client. It does no I/O: an
// application can start while Redis is down, and answers 503 meanwhile.
func New(client redis.UniversalClient, c Config) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil Redis client")
	}
	sealer, err := seal.New("redisstore: Config.KeyPairs", c.KeyPairs)
	if err != nil {
		return nil, err
	}
	s := &Store{rdb: client, sealer: sealer, prefix: c.Prefix, timeout: c.Timeout}
	if s.prefix == "" {
		s.prefix = defaultPrefix
	}
	if s.timeout <= 0 {
		s.timeout = defaultTimeout
	}
	s.opts, s.ttl = c.options()
	return s, nil
}

// Get returns the session called name, cached for the request (gorilla's
// registry): the first call reads Redis, later ones return the same
// session and error.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New reads the request's session from Redis, past the per-request cache.
// A missing, tampered or unknown cookie gives a new empty session (IsNew)
// and no error; a Redis failure gives a new empty session and an error
// matching ErrUnavailable, which must not be taken for "signed out".
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.opts
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(stores.CookieName(name, &opts))
	if err != nil {
		return sess, nil
	}
	id, ok := s.decodeID(name, c.Value)
	if !ok {
		return sess, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	data, err := s.rdb.Get(ctx, s.dataKey(idHash(id))).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return sess, nil // expired or deleted
	case err != nil:
		return sess, fmt.Errorf("%w: reading a session: %w", ErrUnavailable, err)
	}
	if !decodeValues(data, sess.Values) {
		clear(sess.Values)
		return sess, nil
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save writes the session's values to Redis and its ID cookie, or deletes
// both when Options.MaxAge is negative. A session without an ID gets a new
// random one (this is how session.Manager.Login renews IDs). The Redis TTL
// is Options.MaxAge (Config.MaxAge when that is 0).
//
// When Redis fails, Save returns an error matching ErrUnavailable, writes
// no cookie, and what Redis held before stays. A session loaded from Redis
// whose data was deleted meanwhile (a logout, back-channel or not) is not
// brought back: Save returns an error matching session.ErrNoSession.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		opts = &s.opts
	}
	name := stores.CookieName(sess.Name(), opts)
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.remove(r.Context(), idHash(sess.ID), ownerOf(sess.Values)); err != nil {
				return err
			}
		}
		http.SetCookie(w, stores.NewCookie(name, "", opts))
		return nil
	}
	data, err := encodeValues(sess.Values)
	if err != nil {
		return err
	}
	id, loaded := sess.ID, sess.ID != "" && !sess.IsNew
	if id == "" {
		id = newID()
	}
	value, err := s.encodeID(sess.Name(), id)
	if err != nil {
		return err
	}
	ttl := s.ttl
	if opts.MaxAge > 0 {
		ttl = time.Duration(opts.MaxAge) * time.Second
	}
	if err := s.write(r.Context(), idHash(id), data, ownerOf(sess.Values), ttl, loaded); err != nil {
		return err
	}
	sess.ID = id
	http.SetCookie(w, stores.NewCookie(name, value, opts))
	return nil
}

// errEnded is what Save of a session deleted meanwhile returns.
var errEnded = fmt.Errorf("redisstore: the session ended while the request held it: %w", session.ErrNoSession)

// write stores a session's data with its TTL and indexes it, in one round
// trip. With onlyIfExists the data is written only over existing data.
func (s *Store) write(ctx context.Context, h string, data []byte, o owner, ttl time.Duration, onlyIfExists bool) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var set *redis.BoolCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.index(ctx, p, h, o, time.Now().Add(ttl))
		if onlyIfExists {
			set = p.SetXX(ctx, s.dataKey(h), data, ttl)
		} else {
			p.Set(ctx, s.dataKey(h), data, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: writing a session: %w", ErrUnavailable, err)
	}
	if set != nil && !set.Val() {
		return errEnded
	}
	return nil
}

// remove deletes a session's data and its index entries. When o is unknown
// (the values were cleared before the delete, as gorilla's logout idiom
// does), the owner is read from the stored data as it is deleted, so no
// index entry outlives the session.
func (s *Store) remove(ctx context.Context, h string, o owner) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if o.Iss == "" {
		_, err := s.deleteOwned(ctx, []string{h})
		return err
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.dataKey(h))
		s.unindex(ctx, p, h, o)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: deleting a session: %w", ErrUnavailable, err)
	}
	return nil
}
