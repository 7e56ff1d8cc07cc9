package login

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// maxSeenJTIs bounds the logout-token IDs remembered against replay.
const maxSeenJTIs = 100000

// BackChannelLogout is the back_channel_logout_uri endpoint (OpenID Connect
// Back-Channel Logout 1.0): the provider POSTs a logout_token; it is verified
// (signature, alg, iss, aud, iat, exp when present, the logout event, no
// nonce, sub or sid, jti not seen before) and the matching sessions end: by
// sid that one session, by sub every session of that user at this issuer.
// It answers 200 with Cache-Control: no-store, or 400 with a JSON error, or
// 503 when the session store failed: the token's jti is then not kept, so
// the provider's retry of the same token ends the sessions.
//
// With a multi-tenant provider (verify.IssuerTemplate) the token's iss must
// be the issuer its tenant claim builds, exactly, and the tenant an allowed
// one, as for ID tokens; the sessions it ends are those whose Issuer is
// that tenant's, so one tenant's logout token never ends another tenant's
// sessions, even naming their sid or sub. jti values are remembered per
// issuer.
//
// Sessions in a server-side store with an index (redisstore) are deleted
// everywhere. With the cookie store the logout is recorded in this process
// only; several replicas need a server-side store.
func (a *Auth) BackChannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// refuse answers an error and reports it, reason naming the cause.
	refuse := func(status int, code, desc, reason string) {
		e := observe.Event{Kind: observe.BackchannelLogout, Outcome: observe.Refused, Reason: reason}
		if status >= http.StatusInternalServerError {
			e.Outcome = observe.Failed
		}
		a.report(r.Context(), e)
		endpoint.WriteJSONError(w, status, code, desc)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, "invalid_request", "POST a logout_token", "method_not_allowed")
		return
	}
	if a.verifier == nil {
		refuse(http.StatusBadRequest, "invalid_request", "this login has no OpenID provider", "not_openid")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || len(r.PostForm["logout_token"]) != 1 {
		refuse(http.StatusBadRequest, "invalid_request", "the body must carry exactly one logout_token", "malformed")
		return
	}
	t, err := a.verifier.VerifyLogoutToken(r.Context(), r.PostForm.Get("logout_token"))
	if err != nil {
		status, desc, reason := http.StatusBadRequest, "the logout token is invalid", "invalid_token"
		if errors.Is(err, verify.ErrUnavailable) {
			status, desc, reason = http.StatusServiceUnavailable, "the provider's keys are unavailable", "unavailable"
		} else if errors.Is(err, verify.ErrInvalid) {
			desc = err.Error()
		}
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "gatehouse: logout token refused", slog.Any("error", err))
		refuse(status, "invalid_request", desc, reason)
		return
	}
	// The jti is held while the sessions end, so a copy sent meanwhile is
	// refused, and kept only once they have ended: when the store fails,
	// it is forgotten, and the provider's retry of the same token (asked
	// for by the 503) is not taken for a replay.
	jti := t.Issuer + "\x00" + t.ID
	if !a.jtis.first(jti, a.c.Now()) {
		refuse(http.StatusBadRequest, "invalid_request", "the logout token was already used (jti replay)", "replay")
		return
	}
	n, err := a.c.Sessions.EndSessions(r.Context(), t.Issuer, t.SessionID, t.Subject)
	if err != nil {
		a.jtis.forget(jti)
		a.log.LogAttrs(r.Context(), slog.LevelError, "gatehouse: back-channel logout failed", slog.Any("error", err))
		refuse(http.StatusServiceUnavailable, "temporarily_unavailable", "sessions could not be ended; retry", "session_store")
		return
	}
	a.log.LogAttrs(r.Context(), slog.LevelInfo, "gatehouse: back-channel logout",
		slog.String("sub", t.Subject), slog.String("sid", t.SessionID), slog.Int("sessions", n))
	a.report(r.Context(), observe.Event{Kind: observe.BackchannelLogout, Outcome: observe.OK, Count: max(n, 0)}) // -1: a store that cannot count them
	w.WriteHeader(http.StatusOK)
}

// jtiTTL is how long a logout-token ID is remembered from the moment it was
// first seen: a day, longer than any logout token lives (and at least a day
// after the token's iat, since iat is not in the future).
const jtiTTL = 24 * time.Hour

// jtiCache remembers logout-token IDs, so a captured logout token cannot be
// replayed: at most maxSeenJTIs of them, each for jtiTTL from its first
// sight; when full, the one seen longest ago goes (the one closest to
// expiry, since all live equally long). It is a simplelru.LRU under a mutex
// with the expiry in the value and checked on read with the Auth's clock,
// rather than expirable.LRU, which reads the wall clock and runs a goroutine
// per cache that never exits.
type jtiCache struct {
	mu   sync.Mutex
	max  int                               // 0: maxSeenJTIs (tests lower it)
	seen *simplelru.LRU[string, time.Time] // key → when it may be forgotten
}

// first records key and reports whether it was new (or its record expired).
func (c *jtiCache) first(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen, _ = simplelru.NewLRU[string, time.Time](cmp.Or(c.max, maxSeenJTIs), nil)
	}
	if until, ok := c.seen.Peek(key); ok && now.Before(until) {
		return false
	}
	c.seen.Add(key, now.Add(jtiTTL))
	return true
}

// forget drops key, recorded by first for work that then failed, so the
// same token may be presented again.
func (c *jtiCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen != nil {
		c.seen.Remove(key)
	}
}

// len is the number of IDs held.
func (c *jtiCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		return 0
	}
	return c.seen.Len()
}
