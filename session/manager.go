package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// ValueKey is where the Session lives in a gorilla session's Values; stores
// that index sessions (redisstore) read it there.
const ValueKey = "gatehouse"

// Config configures a Manager. Store is required.
type Config struct {
	// Store keeps the sessions: a *CookieStore, a redisstore, or any
	// third-party gorilla sessions.Store.
	Store sessions.Store
	// Name of the session (the cookie). Default "gatehouse".
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
	flowCodecs []securecookie.Codec
	maxFlows   int
	now        func() time.Time
	revoked    revocations
}

// New checks c and returns a Manager.
func New(c Config) (*Manager, error) {
	if c.Store == nil {
		return nil, errors.New("session: Config.Store is nil")
	}
	m := &Manager{store: c.Store, name: c.Name, idle: c.IdleTimeout, abs: c.AbsoluteTimeout,
		deny: c.DenyList, maxFlows: c.MaxFlows, now: c.Now}
	if m.name == "" {
		m.name = "gatehouse"
	}
	if m.idle <= 0 {
		m.idle = 8 * time.Hour
	}
	if m.abs <= 0 {
		m.abs = 24 * time.Hour
	}
	if m.deny == nil {
		m.deny = NewMemoryDenyList(100000)
	}
	if m.maxFlows <= 0 {
		m.maxFlows = 5
	}
	if m.now == nil {
		m.now = time.Now
	}
	switch {
	case len(c.FlowKeys) > 0:
		codecs, err := newCodecs(c.FlowKeys)
		if err != nil {
			return nil, err
		}
		m.flowCodecs = codecs
	default:
		cs, ok := c.Store.(*CookieStore)
		if !ok {
			return nil, errors.New("session: Config.FlowKeys is required when Store is not a *CookieStore")
		}
		m.flowCodecs = cs.codecs
	}
	return m, nil
}

// Name returns the session name.
func (m *Manager) Name() string { return m.name }

// Store returns the underlying store.
func (m *Manager) Store() sessions.Store { return m.store }

// Load returns the request's session. It returns ErrNoSession when there is
// none usable (absent, tampered, expired, logged out) and another error only
// when the store failed, which must not be taken for "signed out".
func (m *Manager) Load(r *http.Request) (*Session, error) {
	gs, err := m.store.Get(r, m.name)
	if err != nil {
		if isDecodeError(err) {
			return nil, ErrNoSession
		}
		return nil, fmt.Errorf("session: loading: %w", err)
	}
	v, ok := gs.Values[ValueKey]
	if gs.IsNew || !ok {
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

// Save persists s as the request's session.
func (m *Manager) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	gs, err := m.store.Get(r, m.name)
	if err != nil && !isDecodeError(err) {
		return fmt.Errorf("session: saving: %w", err)
	}
	if gs == nil {
		gs = sessions.NewSession(m.store, m.name)
	}
	if s.LastSeen.IsZero() {
		s.LastSeen = m.now()
	}
	if s.Created.IsZero() {
		s.Created = s.LastSeen
	}
	m.setLifetime(gs, s)
	gs.Values[ValueKey] = s
	if err := m.store.Save(r, w, gs); err != nil {
		return fmt.Errorf("session: saving: %w", err)
	}
	return nil
}

// Login saves s as a new login: a fresh random ID (session fixation), new
// Created and LastSeen, and for stores whose sessions have IDs, the old
// server-side entry deleted and a new ID issued.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, s *Session) error {
	s.ID = newID()
	s.Created = m.now()
	s.LastSeen = s.Created
	gs, err := m.store.Get(r, m.name)
	if err != nil && !isDecodeError(err) {
		return fmt.Errorf("session: login: %w", err)
	}
	if gs != nil {
		// The session this login replaces: its ID stays refused, so a copy
		// of the old cookie does not keep working (cookie stores).
		if old, err := decodeSession(gs.Values[ValueKey]); err == nil && old.ID != "" {
			if err := m.deny.Deny(r.Context(), old.ID, old.Created.Add(m.abs)); err != nil {
				return fmt.Errorf("session: deny list: %w", err)
			}
		}
	}
	if gs != nil && gs.ID != "" {
		// Delete the old entry, then start over with no ID.
		old := *gs.Options
		gs.Options.MaxAge = -1
		if err := m.store.Save(r, w, gs); err != nil {
			return fmt.Errorf("session: login: %w", err)
		}
		gs.Options = &old
		gs.ID = ""
		gs.IsNew = true
	}
	if gs == nil {
		gs = sessions.NewSession(m.store, m.name)
	}
	clear(gs.Values)
	if gs.Options != nil && gs.Options.MaxAge < 0 {
		gs.Options.MaxAge = int(m.abs.Seconds())
	}
	return m.Save(w, r, s)
}

// Delete ends the request's session: its data and cookie go, and its ID is
// deny-listed until it would have expired.
func (m *Manager) Delete(w http.ResponseWriter, r *http.Request) error {
	s, err := m.Load(r)
	switch {
	case err == nil:
		if err := m.deny.Deny(r.Context(), s.ID, s.Created.Add(m.abs)); err != nil {
			return fmt.Errorf("session: deny list: %w", err)
		}
	case !errors.Is(err, ErrNoSession):
		return err
	}
	gs, err := m.store.Get(r, m.name)
	if err != nil && !isDecodeError(err) {
		return fmt.Errorf("session: deleting: %w", err)
	}
	if gs == nil {
		gs = sessions.NewSession(m.store, m.name)
		gs.Options = &sessions.Options{Path: "/"}
	}
	if gs.Options == nil {
		gs.Options = &sessions.Options{Path: "/"}
	}
	gs.Options.MaxAge = -1
	clear(gs.Values)
	if err := m.store.Save(r, w, gs); err != nil {
		return fmt.Errorf("session: deleting: %w", err)
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

// setLifetime makes the cookie (or server-side entry) live as long as the
// session may.
func (m *Manager) setLifetime(gs *sessions.Session, s *Session) {
	if gs.Options == nil {
		return
	}
	left := s.Created.Add(m.abs).Sub(m.now())
	if left < time.Second {
		left = time.Second
	}
	if secs := int(left.Seconds()); gs.Options.MaxAge == 0 || gs.Options.MaxAge > secs {
		gs.Options.MaxAge = secs
	}
}

// newID returns 128 random bits, base64url.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// isDecodeError reports a securecookie decoding failure: a bad cookie, not a
// store failure.
func isDecodeError(err error) bool {
	var e securecookie.Error
	return errors.As(err, &e) && e.IsDecode()
}
