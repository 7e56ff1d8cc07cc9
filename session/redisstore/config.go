package redisstore

import (
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// Defaults of Config.
const (
	// defaultPrefix starts every Redis key the store writes.
	defaultPrefix = "gatehouse:"
	// defaultTimeout bounds each Redis call.
	defaultTimeout = 2 * time.Second
)

// Config configures a Store. KeyPairs is required; the zero value of every
// other field is the safe default.
type Config struct {
	// KeyPairs sign and encrypt the cookie that holds the session ID:
	// pairs of a hash key (32 to 64 bytes) and an AES-256 key (32 bytes),
	// newest pair first. Every pair decodes, the first encodes, so keys
	// rotate by adding a pair in front.
	KeyPairs [][]byte
	// Prefix of every Redis key. Default "gatehouse:". Give each
	// application sharing a Redis its own.
	Prefix string
	// Options are the cookie attributes of new sessions. Defaults: Path
	// "/", MaxAge one day, HttpOnly, SameSite Lax. Whatever they say, as
	// with session.CookieStore, cookies are HttpOnly, Secure (whatever
	// the request), and named with the "__Host-" prefix at Path "/"
	// without Domain ("__Secure-" otherwise).
	Options *sessions.Options
	// MaxAge, when set, is the lifetime of new sessions (it overrides
	// Options.MaxAge), rounded down to seconds. It is also the Redis TTL
	// of a session whose Options.MaxAge is 0 (a browser-session cookie).
	// Default: Options.MaxAge when positive, else one day.
	MaxAge time.Duration
	// Timeout bounds each Redis call, within the request's context.
	// Default 2 s. go-redis honours a context deadline only when the
	// client has ContextTimeoutEnabled; otherwise its own DialTimeout,
	// ReadTimeout and WriteTimeout bound the calls instead.
	Timeout time.Duration
}

// options returns the cookie options and the default TTL c describes.
func (c Config) options() (sessions.Options, time.Duration) {
	opts := sessions.Options{Path: "/", MaxAge: int(stores.DefaultMaxAge / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if c.Options != nil {
		opts = *c.Options
		opts.HttpOnly = true
		if opts.Path == "" {
			opts.Path = "/"
		}
	}
	if secs := int(c.MaxAge / time.Second); secs > 0 {
		opts.MaxAge = secs
	}
	ttl := stores.DefaultMaxAge
	if opts.MaxAge > 0 {
		ttl = time.Duration(opts.MaxAge) * time.Second
	}
	return opts, ttl
}
