package session

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Cookie-store defaults.
const (
	// DefaultMaxAge is the cookie lifetime: short, one day.
	DefaultMaxAge = 24 * 60 * 60
	// DefaultMaxChunks bounds how many cookies one session may use.
	DefaultMaxChunks = 8
	// chunkSize keeps each cookie, with its name and attributes, well under
	// the 4096 bytes browsers accept.
	chunkSize = 3800
)

// CookieStore is a gorilla sessions.Store that keeps the whole session in the
// browser: encrypted (AES-256) and authenticated (HMAC-SHA256) with
// securecookie, serialized as JSON (never gob), split over several cookies
// (name, name_1, …) past securecookie's 4096-byte limit.
//
// Cookies get safe attributes whatever Options say about them: HttpOnly,
// SameSite=Lax, and Secure unless the request is plain http to a loopback
// host. A secure cookie at Path "/" without Domain is named with the
// "__Host-" prefix, which browsers bind to the exact host.
type CookieStore struct {
	// Options are the cookie attributes of new sessions. Defaults: Path
	// "/", MaxAge one day, HttpOnly, SameSite Lax.
	Options *sessions.Options
	// MaxChunks bounds the cookies of one session (default 8); a larger
	// session fails to save with ErrTooLarge.
	MaxChunks int

	codecs []securecookie.Codec
}

// NewCookieStore returns a CookieStore. keyPairs are pairs of a hash key
// (32 or 64 bytes) and an encryption key (32 bytes, AES-256), newest pair
// first: every pair decodes, the first encodes, so keys rotate by adding a
// new pair in front.
func NewCookieStore(keyPairs ...[]byte) (*CookieStore, error) {
	codecs, err := newCodecs(keyPairs)
	if err != nil {
		return nil, err
	}
	return &CookieStore{
		Options: &sessions.Options{Path: "/", MaxAge: DefaultMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		codecs:  codecs,
	}, nil
}

func newCodecs(keyPairs [][]byte) ([]securecookie.Codec, error) {
	if len(keyPairs) == 0 || len(keyPairs)%2 != 0 {
		return nil, errors.New("session: keys come in pairs of (hash key, encryption key)")
	}
	var codecs []securecookie.Codec
	for i := 0; i < len(keyPairs); i += 2 {
		h, b := keyPairs[i], keyPairs[i+1]
		if len(h) != 32 && len(h) != 64 {
			return nil, fmt.Errorf("session: hash key %d is %d bytes, want 32 or 64", i/2, len(h))
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("session: encryption key %d is %d bytes, want 32 (AES-256)", i/2, len(b))
		}
		sc := securecookie.New(h, b)
		sc.SetSerializer(securecookie.NopEncoder{})
		sc.MaxLength(0) // chunking bounds the size instead
		sc.MaxAge(0)    // lifetimes are checked from the session's own timestamps
		codecs = append(codecs, sc)
	}
	return codecs, nil
}

// Get returns the session for name, cached for the request.
func (s *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the session stored in the request's cookies, or a new empty
// session (IsNew) when there is none or it does not decode: a tampered,
// incomplete or foreign cookie is no session, not an error.
func (s *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := *s.Options
	sess.Options = &opts
	sess.IsNew = true
	raw, ok := readChunks(r, cookieName(r, name, &opts), s.maxChunks())
	if !ok {
		return sess, nil
	}
	var plain []byte
	if securecookie.DecodeMulti(name, raw, &plain, s.codecs...) != nil {
		return sess, nil
	}
	if !unframe(plain, sess.Values) {
		clear(sess.Values)
		return sess, nil
	}
	sess.IsNew = false
	return sess, nil
}

// Save writes the session's cookies (or deletes them when Options.MaxAge is
// negative) and deletes chunks a smaller session no longer needs.
func (s *CookieStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		opts = s.Options
	}
	name := cookieName(r, sess.Name(), opts)
	if opts.MaxAge < 0 {
		deleteChunks(w, r, name, opts, 0)
		return nil
	}
	plain, err := frame(sess.Values)
	if err != nil {
		return err
	}
	enc, err := securecookie.EncodeMulti(sess.Name(), plain, s.codecs...)
	if err != nil {
		return fmt.Errorf("session: encoding: %w", err)
	}
	n := (len(enc) + chunkSize - 1) / chunkSize
	if n > s.maxChunks() {
		return fmt.Errorf("%w: %d bytes need %d cookies, the limit is %d", ErrTooLarge, len(enc), n, s.maxChunks())
	}
	for i := range n {
		part := enc[i*chunkSize : min(len(enc), (i+1)*chunkSize)]
		if i == 0 {
			part = strconv.Itoa(n) + "." + part
		}
		http.SetCookie(w, newCookie(r, chunkName(name, i), part, opts))
	}
	deleteChunks(w, r, name, opts, n)
	return nil
}

func (s *CookieStore) maxChunks() int {
	if s.MaxChunks > 0 {
		return s.MaxChunks
	}
	return DefaultMaxChunks
}

// readChunks joins name, name_1, … as counted in the first chunk. Any chunk
// missing means no session.
func readChunks(r *http.Request, name string, maxChunks int) (string, bool) {
	c0, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	count, rest, ok := strings.Cut(c0.Value, ".")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 || n > maxChunks {
		return "", false
	}
	if n == 1 {
		return rest, true
	}
	var b strings.Builder
	b.WriteString(rest)
	for i := 1; i < n; i++ {
		c, err := r.Cookie(chunkName(name, i))
		if err != nil {
			return "", false
		}
		b.WriteString(c.Value)
	}
	return b.String(), true
}

// deleteChunks expires the chunks from index from on that the request has.
func deleteChunks(w http.ResponseWriter, r *http.Request, name string, opts *sessions.Options, from int) {
	for _, c := range r.Cookies() {
		i, ok := chunkIndex(name, c.Name)
		if ok && i >= from {
			del := *opts
			del.MaxAge = -1
			http.SetCookie(w, newCookie(r, c.Name, "", &del))
		}
	}
}

// chunkName is name for chunk 0, name_i after.
func chunkName(name string, i int) string {
	if i == 0 {
		return name
	}
	return name + "_" + strconv.Itoa(i)
}

func chunkIndex(name, cookie string) (int, bool) {
	if cookie == name {
		return 0, true
	}
	rest, ok := strings.CutPrefix(cookie, name+"_")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i > 0
}

// secure reports whether cookies for r must be Secure: always, except plain
// http to a loopback host (local development).
func secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

// CookieName is the name a session cookie called name gets for r: with the
// "__Host-" prefix when the cookie is Secure, at Path "/" and without
// Domain. Stores other than CookieStore use it to name cookies alike.
func CookieName(r *http.Request, name string, opts *sessions.Options) string {
	return cookieName(r, name, opts)
}

// NewCookie builds a cookie with the safe attributes forced on: HttpOnly,
// SameSite Lax unless set otherwise (never None without Secure), and Secure
// unless r is plain http to a loopback host.
func NewCookie(r *http.Request, name, value string, opts *sessions.Options) *http.Cookie {
	return newCookie(r, name, value, opts)
}

// cookieName adds the __Host- prefix where browsers allow it.
func cookieName(r *http.Request, name string, opts *sessions.Options) string {
	if secure(r) && opts.Path == "/" && opts.Domain == "" {
		return "__Host-" + name
	}
	return name
}

// newCookie builds a cookie with the safe attributes forced on.
func newCookie(r *http.Request, name, value string, opts *sessions.Options) *http.Cookie {
	c := sessions.NewCookie(name, value, opts)
	c.HttpOnly = true
	c.Secure = secure(r)
	if c.SameSite == http.SameSiteDefaultMode || c.SameSite == 0 || c.SameSite == http.SameSiteNoneMode && !c.Secure {
		c.SameSite = http.SameSiteLaxMode
	}
	return c
}

// The cookie's plaintext frames each value as JSON: a version byte, then
// per value uvarint(len(key)) key uvarint(len(json)) json. Reading it needs
// no JSON scan of the whole: each value stays a json.RawMessage, decoded
// once by whoever reads it (the Manager decodes its Session, nothing else).
const frameVersion = 1

func frame(values map[any]any) ([]byte, error) {
	buf := []byte{frameVersion}
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("session: value key %v is not a string", k)
		}
		var js []byte
		if raw, ok := v.(json.RawMessage); ok {
			js = raw
		} else {
			var err error
			if js, err = json.Marshal(v); err != nil {
				return nil, fmt.Errorf("session: encoding %q: %w", ks, err)
			}
		}
		buf = binary.AppendUvarint(buf, uint64(len(ks)))
		buf = append(buf, ks...)
		buf = binary.AppendUvarint(buf, uint64(len(js)))
		buf = append(buf, js...)
	}
	return buf, nil
}

// unframe fills values from a framed plaintext; false when it is malformed.
func unframe(b []byte, values map[any]any) bool {
	if len(b) == 0 || b[0] != frameVersion {
		return false
	}
	b = b[1:]
	for len(b) > 0 {
		kl, n := binary.Uvarint(b)
		if n <= 0 || kl > uint64(len(b)-n) {
			return false
		}
		key := string(b[n : n+int(kl)])
		b = b[n+int(kl):]
		vl, n := binary.Uvarint(b)
		if n <= 0 || vl > uint64(len(b)-n) {
			return false
		}
		values[key] = json.RawMessage(b[n : n+int(vl)])
		b = b[n+int(vl):]
	}
	return true
}
