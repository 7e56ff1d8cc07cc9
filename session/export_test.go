package session

import (
	"encoding/json"
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
