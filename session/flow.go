package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
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
	// 400 bytes), and five of them must not crowd out the session.
	maxFlowBytes = 2048
)

// Flow is the state of one login in progress, kept in its own cookie from
// the redirect to the provider until the callback, and used once.
type Flow struct {
	// State is the OAuth 2.0 state parameter; the flow's cookie is named
	// from it.
	State string `json:"s"`
	// Nonce is the OpenID Connect nonce the ID token must carry.
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code_verifier
	// ReturnTo is where the browser goes once signed in.
	ReturnTo string `json:"r,omitempty"`
	// Provider names the provider the login goes to (several in one app).
	Provider string `json:"p,omitempty"`
	// Created is when the login began; TakeFlow refuses a flow older than
	// 10 minutes.
	Created time.Time `json:"c"`
	// CrossSite makes SaveFlow's cookie SameSite=None (always Secure) so
	// that it reaches a callback the provider sends as a cross-site POST
	// (response_mode=form_post), which SameSite=Lax cookies never reach.
	// The flow stays bound to this browser and used once: the callback
	// needs the state only the browser and the provider know.
	CrossSite bool `json:"x,omitempty"`
}

// NewFlow returns a flow with a random state and nonce (256 bits each) and a
// PKCE verifier (RFC 7636, 43 characters).
func (m *Manager) NewFlow(returnTo, provider string) (*Flow, error) {
	return &Flow{State: random(32), Nonce: random(32), Verifier: random(32),
		ReturnTo: returnTo, Provider: provider, Created: m.now()}, nil
}

// SaveFlow keeps f in a cookie of its own, named from its state, so that
// logins in several tabs do not overwrite each other: encrypted and
// signed, HttpOnly, SameSite Lax (None for a CrossSite flow), Path "/",
// Secure and "__Host-" prefixed, for 10 minutes. At most MaxFlows
// are kept: the oldest pending ones (undecodable ones first) are dropped.
func (m *Manager) SaveFlow(w http.ResponseWriter, r *http.Request, f *Flow) error {
	plain, err := json.Marshal(f)
	if err != nil {
		return err
	}
	name := m.flowName(f.State)
	enc := m.flowSealer.Seal(name, plain)
	if len(enc) > maxFlowBytes {
		return fmt.Errorf("%w: a login flow of %d bytes (a long ReturnTo?)", ErrTooLarge, len(enc))
	}
	m.dropOldFlows(w, r)
	opts := &sessions.Options{Path: "/", MaxAge: int(flowTTL.Seconds())}
	if f.CrossSite {
		opts.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, stores.NewCookie(name, enc, opts))
	return nil
}

// TakeFlow returns the flow of state and deletes its cookie: a flow is used
// once. ErrNoFlow when it is absent (another browser, used already),
// expired, tampered with, or its state does not match (compared in
// constant time); ErrNoFlowCookie, which matches ErrNoFlow, when r carries
// no flow cookie at all.
func (m *Manager) TakeFlow(w http.ResponseWriter, r *http.Request, state string) (*Flow, error) {
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
	case !ok, subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1:
		return nil, ErrNoFlow
	case m.now().Sub(f.Created) > flowTTL || f.Created.After(m.now().Add(time.Minute)):
		return nil, ErrNoFlow
	}
	return f, nil
}

func (m *Manager) decodeFlow(name, value string) (*Flow, bool) {
	plain, err := m.flowSealer.Open(name, value)
	if err != nil {
		return nil, false
	}
	f := new(Flow)
	if json.Unmarshal(plain, f) != nil {
		return nil, false
	}
	return f, true
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
			p.created = f.Created
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
