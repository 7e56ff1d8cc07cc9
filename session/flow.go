package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

const (
	// flowTTL is how long a login may take, from Login to Callback.
	flowTTL = 10 * time.Minute
	// maxFlowBytes bounds a flow cookie's value: flows are small (about
	// 300 bytes), and five of them must not crowd out the session. A
	// form-post login's relay step (middleware/login) adds the provider's
	// response for a moment, whose code runs past 1 KB at Entra: 3 KB.
	maxFlowBytes = 3072
	// flowVersion is the first byte of a flow's sealed plaintext. Flows
	// written by earlier versions (JSON, starting with '{') do not decode
	// and are refused as no flow: a flow lives 10 minutes, so a login
	// begun just before an upgrade is started again.
	flowVersion = 1
)

// SaveFlow starts a login flow: it keeps data, the login's own state
// (nonce, PKCE verifier, return address…), in a cookie of its own and
// returns the flow's state, 256 random bits to send to the provider. The
// cookie is named from the state, so logins in several tabs do not
// overwrite each other; it is encrypted and signed, HttpOnly, SameSite Lax,
// Path "/", Secure and "__Host-" prefixed, for 10 minutes. At most
// MaxFlows are kept: the oldest pending ones (undecodable ones first) are
// dropped. A sealed flow over 3 KB is refused with ErrTooLarge.
//
// crossSite makes the cookie SameSite=None (always Secure) so that it
// reaches a callback the provider sends as a cross-site POST
// (response_mode=form_post), which SameSite=Lax cookies never reach. The
// flow stays bound to this browser and used once: the callback needs the
// state only the browser and the provider know.
func (m *Manager) SaveFlow(w http.ResponseWriter, r *http.Request, data []byte, crossSite bool) (state string, err error) {
	state = random(32)
	name := m.flowName(state)
	enc := m.flowSealer.Seal(name, encodeFlow(state, m.now(), data))
	if len(enc) > maxFlowBytes {
		return "", fmt.Errorf("%w: a login flow of %d bytes (a long return address?)", ErrTooLarge, len(enc))
	}
	m.dropOldFlows(w, r)
	opts := &sessions.Options{Path: "/", MaxAge: int(flowTTL.Seconds())}
	if crossSite {
		opts.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, stores.NewCookie(name, enc, opts))
	return state, nil
}

// TakeFlow returns the data of the flow of state and deletes its cookie: a
// flow is used once. ErrNoFlow when it is absent (another browser, used
// already), older than 10 minutes, tampered with, or its state does not
// match (compared in constant time); ErrNoFlowCookie, which matches
// ErrNoFlow, when r carries no flow cookie at all.
func (m *Manager) TakeFlow(w http.ResponseWriter, r *http.Request, state string) ([]byte, error) {
	if !m.hasFlows(r) {
		return nil, ErrNoFlowCookie
	}
	if state == "" || len(state) > 512 {
		return nil, ErrNoFlow
	}
	name := m.flowName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return nil, ErrNoFlow
	}
	http.SetCookie(w, stores.NewCookie(name, "", &sessions.Options{Path: "/", MaxAge: -1}))
	f, ok := m.decodeFlow(name, c.Value)
	switch {
	case !ok, subtle.ConstantTimeCompare([]byte(f.state), []byte(state)) != 1:
		return nil, ErrNoFlow
	case m.now().Sub(f.created) > flowTTL || f.created.After(m.now().Add(time.Minute)):
		return nil, ErrNoFlow
	}
	return f.data, nil
}

// flow is a flow cookie's content.
type flow struct {
	state   string
	created time.Time
	data    []byte
}

// encodeFlow lays a flow out as its cookie's plaintext: the version, the
// creation time (Unix nanoseconds, big-endian), the state's length and
// the state, then data.
func encodeFlow(state string, created time.Time, data []byte) []byte {
	b := make([]byte, 0, 10+len(state)+len(data))
	b = append(b, flowVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(created.UnixNano()))
	b = append(b, byte(len(state)))
	b = append(b, state...)
	return append(b, data...)
}

// decodeFlow opens and decodes a flow cookie; false when it is not one of
// ours, in this format, under this name.
func (m *Manager) decodeFlow(name, value string) (flow, bool) {
	b, err := m.flowSealer.Open(name, value)
	if err != nil || len(b) < 10 || b[0] != flowVersion || len(b) < 10+int(b[9]) {
		return flow{}, false
	}
	n := 10 + int(b[9])
	return flow{state: string(b[10:n]), created: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))),
		data: b[n:]}, true
}

// hasFlows reports whether r carries a flow cookie, of any state.
func (m *Manager) hasFlows(r *http.Request) bool {
	prefix := m.flowPrefix()
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, prefix) {
			return true
		}
	}
	return false
}

// flowPrefix is the name shared by every flow cookie of the request.
func (m *Manager) flowPrefix() string {
	return stores.CookieName(m.name, &sessions.Options{Path: "/"}) + "_flow_"
}

// flowName derives a flow cookie's name from its state.
func (m *Manager) flowName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return m.flowPrefix() + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// dropOldFlows deletes pending flow cookies beyond MaxFlows-1, oldest (and
// undecodable) first, to make room for one more.
func (m *Manager) dropOldFlows(w http.ResponseWriter, r *http.Request) {
	prefix := m.flowPrefix()
	type pending struct {
		name    string
		created time.Time
	}
	var flows []pending
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, prefix) {
			continue
		}
		p := pending{name: c.Name}
		if f, ok := m.decodeFlow(c.Name, c.Value); ok {
			p.created = f.created
		}
		flows = append(flows, p)
	}
	if len(flows) < m.maxFlows {
		return
	}
	// Undecodable ones (zero time) first, then the oldest; ties by name.
	slices.SortFunc(flows, func(a, b pending) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, p := range flows[:len(flows)-m.maxFlows+1] {
		http.SetCookie(w, stores.NewCookie(p.name, "", &sessions.Options{Path: "/", MaxAge: -1}))
	}
}

// random returns n random bytes, base64url.
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
