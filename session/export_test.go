package session

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// SetStoreClock sets the clock a CookieStore seals and checks expiry with.
func SetStoreClock(s *CookieStore, now func() time.Time) { s.now = now }

// JSONEraCookie is the Cookie header an earlier version wrote for s: the
// session as JSON in the frame (for the side-by-side benchmark).
func JSONEraCookie(store *CookieStore, name string, s *Session, expires time.Time) string {
	js, _ := json.Marshal(s)
	plain, _ := frame(map[any]any{stores.ValueKey: json.RawMessage(js)}, expires)
	enc, _ := store.sealer.Legacy(name, plain)
	return "__Host-" + name + "=1." + enc // the name every session cookie now has
}

// PreviousFormatFlowCookie is the flow cookie the previous version wrote
// for state: the whole flow as JSON, sealed under the same name and keys.
func PreviousFormatFlowCookie(m *Manager, state string, created time.Time) *http.Cookie {
	js, _ := json.Marshal(map[string]any{"s": state, "n": "nonce", "v": "verifier", "r": "/back", "p": "op", "c": created})
	name := m.flowName(state)
	return &http.Cookie{Name: name, Value: m.flowSealer.Seal(name, js)}
}
