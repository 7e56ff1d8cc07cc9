package session

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// Login saves s as a new login: it gets a fresh random ID (against session
// fixation) and Created = LastSeen = now. The session it replaces in this
// browser, if any, is deny-listed, and for stores whose sessions have IDs
// (server-side stores) its entry is deleted and a new ID issued.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, s *Session) error {
	gs, err := m.get(r)
	if err != nil {
		return fmt.Errorf("session: login: %w", err)
	}
	// The session this login replaces stays refused, so a copy of the old
	// cookie does not keep working (cookie stores).
	if old, err := decodeSession(gs.Values[stores.ValueKey]); err == nil && old.ID != "" {
		if err := m.deny.Deny(r.Context(), old.ID, old.Created.Add(m.abs)); err != nil {
			return fmt.Errorf("session: deny list: %w", err)
		}
	}
	if gs.ID != "" {
		// Delete the old entry, then start over with no ID.
		opts := ownOptions(gs)
		keep := *opts
		opts.MaxAge = -1
		if err := m.store.Save(r, w, gs); err != nil {
			return fmt.Errorf("session: login: %w", err)
		}
		gs.Options = &keep
		gs.ID = ""
		gs.IsNew = true
	}
	clear(gs.Values)
	s.ID = newID()
	s.Created = m.now()
	s.LastSeen = s.Created
	return m.save(w, r, gs, s)
}

// Delete ends the request's session: its cookie and stored data go, and
// its ID is deny-listed until it would have expired, so a copy of the
// cookie taken before the logout no longer works (even with the cookie
// store). Without a session it only clears the cookie.
func (m *Manager) Delete(w http.ResponseWriter, r *http.Request) error {
	s, err := m.Load(r)
	if err != nil && !errors.Is(err, ErrNoSession) {
		return err
	}
	var denyErr error
	if s != nil {
		if err := m.deny.Deny(r.Context(), s.ID, s.Created.Add(m.abs)); err != nil {
			denyErr = fmt.Errorf("session: deny list: %w", err)
		}
	}
	gs, err := m.get(r)
	if err != nil {
		return errors.Join(denyErr, fmt.Errorf("session: deleting: %w", err))
	}
	// The values stay until the store has seen them: a server-side store
	// reads whose session it was from them to clear its sid and subject
	// index entries.
	ownOptions(gs).MaxAge = -1
	err = m.store.Save(r, w, gs)
	clear(gs.Values)
	if err != nil {
		return errors.Join(denyErr, fmt.Errorf("session: deleting: %w", err))
	}
	return denyErr
}
