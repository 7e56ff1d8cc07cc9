package session

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session/internal/seal"
	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// defaultMaxChunks bounds how many cookies one session may use.
const defaultMaxChunks = 8

// defaultMaxAge is the cookie lifetime in seconds: short, one day.
const defaultMaxAge = int(stores.DefaultMaxAge / time.Second)

// CookieStore is a gorilla sessions.Store that keeps the whole session in the
// browser: encrypted and authenticated with AES-256-GCM (cookies sealed by
// earlier versions with securecookie's AES-CTR and HMAC-SHA256 still open),
// the Session in a compact binary form and other values as JSON (never
// gob), split over several cookies (name, name_1, …) past the browsers'
// 4 KB limit.
//
// Cookies get safe attributes whatever Options or the request say: HttpOnly,
// SameSite Lax (Strict or None if Options ask), and Secure, never decided
// from the request's Host header or scheme. A cookie at Path "/" without
// Domain is named with the "__Host-" prefix, which browsers bind to the
// exact host ("__Secure-" otherwise).
//
// The cookie's expiry (Max-Age) is also sealed inside it: a copy replayed
// after the browser dropped it does not decode. A missing, extra or altered
// chunk, a foreign key, or an expired cookie gives a new empty session,
// never an error.
type CookieStore struct {
	// Options are the cookie attributes of new sessions. Defaults: Path
	// "/", MaxAge one day, HttpOnly, SameSite Lax. MaxAge 0 (a browser-
	// session cookie) still expires server-side after one day.
	Options *sessions.Options
	// MaxChunks bounds the cookies of one session (default 8); a larger
	// session fails to save with ErrTooLarge.
	MaxChunks int

	sealer *seal.Sealer
	now    func() time.Time // for tests; nil is time.Now
}

// NewCookieStore returns a CookieStore. keyPairs are pairs of a hash key
// (32 to 64 bytes) and an encryption key (32 bytes, AES-256), newest pair
// first: every pair decodes, the first encodes, so keys rotate by adding a
// new pair in front. Missing, short or unpaired keys are an error.
func NewCookieStore(keyPairs ...[]byte) (*CookieStore, error) {
	sealer, err := seal.New("session", keyPairs)
	if err != nil {
		return nil, err
	}
	return &CookieStore{Options: defaultOptions(), sealer: sealer}, nil
}

func defaultOptions() *sessions.Options {
	return &sessions.Options{Path: "/", MaxAge: defaultMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// Get returns the session for name, cached for the request.
func (s *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the session stored in the request's cookies, or a new empty
// session (IsNew) when there is none or it does not decode: a tampered,
// incomplete, expired or foreign cookie is no session, not an error.
func (s *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options()
	sess.IsNew = true
	raw, ok := readChunks(r, stores.CookieName(name, sess.Options), s.maxChunks())
	if !ok {
		return sess, nil
	}
	// The opened plaintext lives in a pooled buffer: unframe copies what it
	// keeps (the Session decoded, other values cloned).
	bp := openBuffers.Get().(*[]byte)
	defer openBuffers.Put(bp)
	plain, err := s.sealer.OpenInto(bp, name, raw)
	if err != nil {
		return sess, nil
	}
	if !unframe(plain, sess.Values, s.clock()) {
		clear(sess.Values)
		return sess, nil
	}
	sess.IsNew = false
	return sess, nil
}

// Save writes the session's cookies (or deletes them all when
// Options.MaxAge is negative) and deletes chunks a smaller session no
// longer needs. A value key that is not a string, or a value JSON cannot
// encode, is an error; a session over MaxChunks cookies is ErrTooLarge.
func (s *CookieStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		opts = s.options()
	}
	name := stores.CookieName(sess.Name(), opts)
	if opts.MaxAge < 0 {
		deleteChunks(w, r, name, opts, 0)
		return nil
	}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = defaultMaxAge
	}
	plain, err := frame(sess.Values, s.clock().Add(time.Duration(maxAge)*time.Second))
	if err != nil {
		return err
	}
	return writeChunks(w, r, name, s.sealer.Seal(sess.Name(), plain), opts, s.maxChunks())
}

// openBuffers are the buffers cookie values are opened into, so that reading
// a session allocates no buffer of its size.
var openBuffers = sync.Pool{New: func() any { return new([]byte) }}

// options returns a copy of the store's Options for one session.
func (s *CookieStore) options() *sessions.Options {
	if s.Options == nil {
		return defaultOptions()
	}
	opts := *s.Options
	return &opts
}

func (s *CookieStore) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *CookieStore) maxChunks() int {
	if s.MaxChunks > 0 {
		return s.MaxChunks
	}
	return defaultMaxChunks
}
