package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session/internal/seal"
	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// Config configures a Manager. Store is required.
type Config struct {
	// Store keeps the sessions: a *CookieStore, a redisstore, or any
	// third-party gorilla sessions.Store. A store reports a session it
	// does not have as a new one (IsNew), or with an error matching
	// ErrNoSession or fs.ErrNotExist, or a securecookie decode error; any
	// other error is taken for a store failure, never for "signed out".
	Store sessions.Store
	// Name of the session (the cookie; letters, digits, "-", ".", "_",
	// at most 256). Default "gatehouse".
	Name string
	// IdleTimeout ends a session unused for this long. Default 8 hours.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login, used or not.
	// Default 24 hours.
	AbsoluteTimeout time.Duration
	// DenyList remembers logged-out session IDs until they would have
	// expired, so a copy of a cookie taken before logout stops working.
	// Default: NewMemoryDenyList(100000), which is per process: several
	// replicas need a shared one (or a server-side store, whose logout
	// deletes the data).
	DenyList DenyList
	// FlowKeys are a (hash, encryption) key pair for the login-flow
	// cookies; needed only when Store is not a *CookieStore (whose keys
	// are used otherwise).
	FlowKeys [][]byte
	// MaxFlows bounds the pending login flows of one browser; older ones
	// are dropped. Default 5.
	MaxFlows int
	// Now returns the current time; for tests. Default time.Now.
	Now func() time.Time
}

// Manager loads and saves typed Sessions over any gorilla sessions.Store and
// keeps the per-login flows. It is safe for concurrent use.
type Manager struct {
	store      sessions.Store
	name       string
	idle, abs  time.Duration
	deny       DenyList
	flowSealer *seal.Sealer
	maxFlows   int
	now        func() time.Time
	revoked    revocations
}

// New checks c and returns a Manager.
func New(c Config) (*Manager, error) {
	if cs, ok := c.Store.(*CookieStore); c.Store == nil || ok && cs == nil {
		// A nil *CookieStore: what NewCookieStore returns with its error.
		return nil, errors.New("session: Config.Store is nil")
	}
	m := &Manager{store: c.Store, name: c.Name, idle: c.IdleTimeout, abs: c.AbsoluteTimeout,
		deny: c.DenyList, maxFlows: c.MaxFlows, now: c.Now}
	if m.name == "" {
		m.name = "gatehouse"
	}
	if !validName(m.name) {
		return nil, fmt.Errorf("session: Config.Name %q is not a cookie name (letters, digits, - . _, no __Host-/__Secure- prefix)", m.name)
	}
	if m.idle <= 0 {
		m.idle = 8 * time.Hour
	}
	if m.abs <= 0 {
		m.abs = 24 * time.Hour
	}
	if m.maxFlows <= 0 {
		m.maxFlows = 5
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.deny == nil {
		m.deny = newMemoryDenyList(100000, m.now)
	}
	switch {
	case len(c.FlowKeys) > 0:
		sealer, err := seal.New("session: Config.FlowKeys", c.FlowKeys)
		if err != nil {
			return nil, err
		}
		m.flowSealer = sealer
	default:
		cs, ok := c.Store.(*CookieStore)
		if !ok {
			return nil, errors.New("session: Config.FlowKeys is required when Store is not a *CookieStore")
		}
		m.flowSealer = cs.sealer
	}
	return m, nil
}

// Load returns the request's session. It returns ErrNoSession when there is
// none usable (absent, tampered, expired by the idle or absolute timeout,
// logged out) and another error only when the store or the deny list
// failed, which must not be taken for "signed out". With a CookieStore it
// decodes the cookie once and the Session's JSON once.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	gs, err := m.store.Get(r, m.name)
	return m.check(r, gs, err)
}

// check turns what a store returned into a usable Session or an error.
func (m *Manager) check(r *http.Request, gs *sessions.Session, err error) (*Session, error) {
	if err != nil {
		if isNoSession(err) {
			return nil, ErrNoSession
		}
		return nil, fmt.Errorf("session: loading: %w", err)
	}
	if gs == nil || gs.IsNew {
		return nil, ErrNoSession
	}
	v, ok := gs.Values[stores.ValueKey]
	if !ok {
		return nil, ErrNoSession
	}
	s, err := decodeSession(v)
	if err != nil || s.ID == "" {
		return nil, ErrNoSession
	}
	now := m.now()
	if now.Sub(s.Created) > m.abs || now.Sub(s.LastSeen) > m.idle {
		return nil, ErrNoSession
	}
	denied, err := m.deny.Denied(r.Context(), s.ID)
	if err != nil {
		return nil, fmt.Errorf("session: deny list: %w", err)
	}
	if denied || m.revoked.revoked(s) {
		return nil, ErrNoSession
	}
	return s, nil
}

// Save persists s as the request's session, setting LastSeen (and
// Created) when zero. A Session without an ID is refused with an error
// matching ErrNoSession: sessions start with Login. A store may also
// refuse with ErrNoSession a session that ended meanwhile (redisstore
// does, after a logout elsewhere).
func (m *Manager) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	if s == nil || s.ID == "" {
		return fmt.Errorf("%w: saving a session without an ID (start one with Login)", ErrNoSession)
	}
	gs, err := m.get(r)
	if err != nil {
		return fmt.Errorf("session: saving: %w", err)
	}
	return m.save(w, r, gs, s)
}

func (m *Manager) save(w http.ResponseWriter, r *http.Request, gs *sessions.Session, s *Session) error {
	if s.LastSeen.IsZero() {
		s.LastSeen = m.now()
	}
	if s.Created.IsZero() {
		s.Created = s.LastSeen
	}
	m.setLifetime(gs, s)
	gs.Values[stores.ValueKey] = s
	if err := m.store.Save(r, w, gs); err != nil {
		return fmt.Errorf("session: saving: %w", err)
	}
	return nil
}

// Touch moves s's idle timer forward when it is older than a sixteenth of
// the idle timeout (at most a minute) and reports whether s must be saved;
// a request that changes nothing else then writes no cookie.
func (m *Manager) Touch(s *Session) bool {
	step := min(m.idle/16, time.Minute)
	now := m.now()
	if now.Sub(s.LastSeen) < step {
		return false
	}
	s.LastSeen = now
	return true
}

// get returns the request's gorilla session, new when the cookie did not
// decode or named no data; an error only when the store failed.
func (m *Manager) get(r *http.Request) (*sessions.Session, error) {
	gs, err := m.store.Get(r, m.name)
	if err != nil && !isNoSession(err) {
		return nil, err
	}
	if gs == nil {
		gs = sessions.NewSession(m.store, m.name)
	}
	if err != nil && gs.IsNew {
		gs.ID = "" // names no data: never reuse it
	}
	if gs.Values == nil {
		gs.Values = map[any]any{}
	}
	return gs, nil
}

// ownOptions gives gs Options of its own: some stores hand every session
// a pointer to their shared Options, which must not change per request.
// They are Secure and HttpOnly whatever the store's defaults (gorilla's are
// neither): a third-party store's cookie gets the same guarantee as ours.
func ownOptions(gs *sessions.Session) *sessions.Options {
	opts := sessions.Options{Path: "/"}
	if gs.Options != nil {
		opts = *gs.Options
	}
	opts.Secure, opts.HttpOnly = true, true
	gs.Options = &opts
	return gs.Options
}

// setLifetime makes the cookie (or server-side entry) live no longer than
// the session may, what is left of the absolute timeout, within the
// store's own MaxAge.
func (m *Manager) setLifetime(gs *sessions.Session, s *Session) {
	left := s.Created.Add(m.abs).Sub(m.now())
	secs := max(1, int((left+time.Second-1)/time.Second))
	opts := ownOptions(gs)
	if opts.MaxAge <= 0 || opts.MaxAge > secs {
		opts.MaxAge = secs
	}
}

// validName reports a cookie name every browser keeps, to which the
// __Host- or __Secure- prefix can be added.
func validName(name string) bool {
	if len(name) > 256 || strings.HasPrefix(strings.ToLower(name), "__host-") || strings.HasPrefix(strings.ToLower(name), "__secure-") {
		return false
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// newID returns 128 random bits, base64url.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// isNoSession reports a store error that means "no such session", not a
// store failure: a cookie securecookie could not decode, ErrNoSession, or
// fs.ErrNotExist (gorilla's FilesystemStore, for a deleted or expired
// entry).
func isNoSession(err error) bool {
	var e securecookie.Error
	return errors.As(err, &e) && e.IsDecode() || errors.Is(err, ErrNoSession) || errors.Is(err, fs.ErrNotExist)
}
