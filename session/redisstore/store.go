package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
)

// ErrUnavailable matches every error caused by Redis itself (down, slow,
// refusing): the middleware answers 503, never "signed out".
var ErrUnavailable = errors.New("redisstore: redis unavailable")

// Config configures a Store. KeyPairs is required.
type Config struct {
	// KeyPairs sign and encrypt the ID cookie: pairs of a hash key (32 or
	// 64 bytes) and an AES-256 key (32 bytes), newest first.
	KeyPairs [][]byte
	// Prefix of every Redis key. Default "gatehouse:".
	Prefix string
	// Options are the cookie attributes. Defaults: Path "/", MaxAge one
	// day, HttpOnly, SameSite Lax; Secure is decided per request (off only
	// for plain http to a loopback host) and the "__Host-" prefix is used
	// when possible, as in session.CookieStore.
	Options *sessions.Options
	// Timeout bounds each Redis call. Default 2 s.
	Timeout time.Duration
}

// Store is a sessions.Store on Redis; safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	codecs  []securecookie.Codec
	prefix  string
	opts    sessions.Options
	timeout time.Duration
}

// New returns a Store using client.
func New(client redis.UniversalClient, c Config) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if len(c.KeyPairs) == 0 || len(c.KeyPairs)%2 != 0 {
		return nil, errors.New("redisstore: KeyPairs must hold (hash key, encryption key) pairs")
	}
	s := &Store{rdb: client, prefix: c.Prefix, timeout: c.Timeout}
	for i := 0; i < len(c.KeyPairs); i += 2 {
		h, b := c.KeyPairs[i], c.KeyPairs[i+1]
		if (len(h) != 32 && len(h) != 64) || len(b) != 32 {
			return nil, fmt.Errorf("redisstore: key pair %d: want a 32- or 64-byte hash key and a 32-byte AES-256 key", i/2)
		}
		sc := securecookie.New(h, b)
		sc.MaxAge(0)
		s.codecs = append(s.codecs, sc)
	}
	if s.prefix == "" {
		s.prefix = "gatehouse:"
	}
	if s.timeout <= 0 {
		s.timeout = 2 * time.Second
	}
	s.opts = sessions.Options{Path: "/", MaxAge: 24 * 60 * 60, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if c.Options != nil {
		s.opts = *c.Options
	}
	return s, nil
}

// Get returns the session for name, cached for the request.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New reads the request's session from Redis. A missing, tampered or unknown
// cookie gives a new empty session and no error; a Redis failure gives the
// empty session and an error matching ErrUnavailable.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.opts
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(session.CookieName(r, name, &opts))
	if err != nil {
		return sess, nil
	}
	var id string
	if securecookie.DecodeMulti(name, c.Value, &id, s.codecs...) != nil || id == "" {
		return sess, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	data, err := s.rdb.Get(ctx, s.dataKey(id)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return sess, nil
	case err != nil:
		return sess, fmt.Errorf("%w: reading a session: %w", ErrUnavailable, err)
	}
	var values map[string]json.RawMessage
	if json.Unmarshal(data, &values) != nil {
		return sess, nil
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save writes the session to Redis and its ID cookie, or, with MaxAge < 0,
// deletes both. A session without an ID gets a new random one. When Redis
// fails the error is returned, no cookie is written, and what Redis held
// before stays.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		opts = &s.opts
	}
	name := session.CookieName(r, sess.Name(), opts)
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.delete(ctx, s.hash(sess.ID), who(sess.Values)); err != nil {
				return err
			}
		}
		del := *opts
		http.SetCookie(w, session.NewCookie(r, name, "", &del))
		return nil
	}
	values := make(map[string]any, len(sess.Values))
	for k, v := range sess.Values {
		ks, ok := k.(string)
		if !ok {
			return fmt.Errorf("redisstore: value key %v is not a string", k)
		}
		values[ks] = v
	}
	data, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("redisstore: encoding: %w", err)
	}
	if sess.ID == "" {
		sess.ID = newID()
	}
	enc, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("redisstore: encoding the cookie: %w", err)
	}
	ttl := time.Duration(opts.MaxAge) * time.Second
	if ttl <= 0 {
		ttl = time.Duration(s.opts.MaxAge) * time.Second
	}
	h := s.hash(sess.ID)
	if err := s.rdb.Set(ctx, s.prefix+"s:"+h, data, ttl).Err(); err != nil {
		return fmt.Errorf("%w: writing a session: %w", ErrUnavailable, err)
	}
	if err := s.index(ctx, h, who(sess.Values), ttl); err != nil {
		return err
	}
	http.SetCookie(w, session.NewCookie(r, name, enc, opts))
	return nil
}

// dataKey is where the data of session id lives.
func (s *Store) dataKey(id string) string { return s.prefix + "s:" + s.hash(id) }

// hash keeps raw IDs out of Redis.
func (s *Store) hash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
