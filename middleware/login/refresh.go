package login

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/verify"
)

// refreshGrace is how long the result of a refresh that rotated the refresh
// token is handed to requests still presenting the rotated-out one (they
// left the browser, or read the store, before the new one was saved).
// Sending a rotated-out refresh token to the provider again would look like
// token theft and revoke the grant.
const refreshGrace = 2 * time.Minute

// refreshLockTTL is the lease of the cross-replica refresh lock. The store
// extends it while the refresh runs, so it bounds only how long a replica
// that died holding it stalls the session's other requests.
const refreshLockTTL = 3 * time.Second

// Saving rotated tokens that the store refused is retried, saveRetryMin
// apart doubling to saveRetryMax, for saveRetryFor, all while the refresh
// lock is held; a request waits at most saveWait for it, then answers 503.
const (
	saveWait     = 3 * time.Second
	saveRetryMin = 50 * time.Millisecond
	saveRetryMax = 250 * time.Millisecond
	saveRetryFor = refreshGrace
)

// errSavePending is why a request answers 503 while the tokens it refreshed
// are still being saved.
var errSavePending = errors.New("the refreshed tokens are not saved yet (store unavailable); saving is retried")

// refreshShared returns s refreshed, once per refresh token in this process:
// the first request starts the refresh, requests arriving meanwhile join
// it, and a finished refresh that rotated the refresh token is handed to
// requests presenting the rotated-out one for refreshGrace, while its
// tokens are fresh. The refresh runs detached from every request: once the
// provider has answered, its tokens are saved whatever happens to the
// requests. A request waits for it until its own ctx ends.
//
// A request presenting a rotated-out refresh token whose successor is due
// for refresh itself refreshes the successor: the rotated-out token is
// never sent again.
//
// Unlike the token fetch of Transport and the key refresh (verify/keys.go),
// this single-flight is not x/sync/singleflight: a finished refresh must
// stay findable for refreshGrace (singleflight forgets a call when it
// returns), its waiters need two signals (tokens known, tokens saved), and
// a lookup follows the chain of rotations from key to key.
func (a *Auth) refreshShared(ctx context.Context, r *http.Request, s *session.Session) (*session.Session, error) {
	a.mu.Lock()
	c := a.pending.get(refreshKey(s))
	for range maxRefreshChain {
		if c == nil || !c.finished() || c.err != nil || c.s.RefreshToken == s.RefreshToken ||
			!a.c.Now().Before(c.expires) || !a.needsRefresh(c.s) {
			break
		}
		s = c.s // rotated out, and its successor is due too
		c = a.pending.get(refreshKey(s))
	}
	if c == nil || !a.shareable(c, s) {
		key := refreshKey(s)
		c = newRefreshCall(key)
		a.pending.put(c, a.c.Now())
		// A copy of the request with none of its context: the refresh
		// outlives it.
		rr := r.Clone(context.Background())
		rr.Body = http.NoBody
		go a.runRefresh(c, rr, s)
	}
	a.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	t := time.NewTimer(saveWait)
	defer t.Stop()
	select {
	case <-c.saved:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, storeError(errSavePending)
	}
	if errors.Is(c.saveErr, session.ErrNoSession) {
		return nil, fmt.Errorf("%w: the session ended during the refresh", endpoint.ErrTokenRejected)
	}
	return copySession(c.s), nil
}

// maxRefreshChain bounds how many rotations refreshShared follows from the
// refresh token a request presented.
const maxRefreshChain = 8

// refreshKey is the key of s's refresh token in Auth.pending.
func refreshKey(s *session.Session) string {
	sum := sha256.Sum256([]byte(s.RefreshToken))
	return string(sum[:])
}

// shareable reports whether a request presenting s's refresh token may use
// c: while c runs, or, once done, when it rotated that refresh token out,
// within the grace, and while its access token is not due for refresh
// itself. With a provider that does not rotate, every expiry gets its own
// refresh. Called with a.mu held.
func (a *Auth) shareable(c *refreshCall, s *session.Session) bool {
	if !c.finished() {
		return true
	}
	return c.err == nil && c.s.RefreshToken != s.RefreshToken &&
		a.c.Now().Before(c.expires) && !a.needsRefresh(c.s)
}

// runRefresh refreshes s for c and records the outcome. With a store that
// has a cross-replica lock (session.Locker) it refreshes under the lock:
// having taken it, it has the session as saved now, and when another
// replica refreshed meanwhile it uses those tokens instead of refreshing
// again. New tokens are then saved before the lock is released, retried
// while the store fails. Without a lock (a cookie store) the request saves
// the result: the cookie store answers with it.
func (a *Auth) runRefresh(c *refreshCall, r *http.Request, s *session.Session) {
	defer close(c.saved)
	ctx, cancel := context.WithTimeout(context.Background(), a.client.Timeout+refreshLockTTL)
	defer cancel()
	cur, unlock, err := a.c.Sessions.Lock(r.WithContext(ctx), s, refreshLockTTL)
	if errors.Is(err, errors.ErrUnsupported) {
		pctx, pcancel := context.WithTimeout(context.Background(), a.client.Timeout)
		ns, err := a.refresh(pctx, s)
		pcancel()
		a.finish(c, s, ns, err)
		return
	}
	if err == nil {
		defer unlock()
	}
	switch {
	case errors.Is(err, session.ErrNoSession):
		a.finish(c, s, nil, fmt.Errorf("%w: the session ended during the refresh", endpoint.ErrTokenRejected))
		return
	case err != nil:
		a.finish(c, s, nil, storeError(err))
		return
	case !a.needsRefresh(cur):
		a.finish(c, s, cur, nil) // refreshed by another replica
		return
	}
	pctx, pcancel := context.WithTimeout(context.Background(), a.client.Timeout)
	ns, err := a.refresh(pctx, cur)
	pcancel()
	a.finish(c, s, ns, err)
	if err == nil {
		c.saveErr = a.saveRetrying(r, ns)
	}
}

// finish publishes a refresh's outcome to the requests waiting for it. A
// failed refresh, or one that kept the refresh token, is not handed to
// later requests.
func (a *Auth) finish(c *refreshCall, s, ns *session.Session, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c.s, c.err = ns, err
	c.expires = a.c.Now().Add(refreshGrace)
	if err != nil || ns.RefreshToken == s.RefreshToken {
		a.pending.remove(c)
	} else {
		a.pending.done(c)
	}
	close(c.done)
}

// saveRetrying saves rotated tokens, retrying with back-off while the store
// fails, for up to saveRetryFor. It gives up early only when the session
// ended (an error matching session.ErrNoSession).
func (a *Auth) saveRetrying(r *http.Request, s *session.Session) error {
	wait := saveRetryMin
	giveUp := time.Now().Add(saveRetryFor)
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), a.client.Timeout)
		err := a.c.Sessions.Save(discardResponse{}, r.WithContext(ctx), copySession(s))
		cancel()
		if err == nil && attempt > 1 {
			a.log.LogAttrs(context.Background(), slog.LevelInfo, "gatehouse: refreshed tokens saved", attrSub(s), slog.Int("attempts", attempt))
		}
		if err == nil || errors.Is(err, session.ErrNoSession) {
			return err
		}
		if time.Now().After(giveUp) {
			a.log.LogAttrs(context.Background(), slog.LevelError, "gatehouse: refreshed tokens could not be saved; giving up", attrSub(s), slog.Int("attempts", attempt), slog.Any("error", err))
			return err
		}
		if attempt == 1 { // once, not every few hundred milliseconds
			a.log.LogAttrs(context.Background(), slog.LevelWarn, "gatehouse: saving refreshed tokens failed; retrying", attrSub(s), slog.Any("error", err))
		}
		t := time.NewTimer(wait)
		<-t.C
		wait = min(wait*2, saveRetryMax)
	}
}

// discardResponse is the ResponseWriter of a save made outside any
// request: the store writes its cookie there, and the requests write their
// own.
type discardResponse struct{}

func (discardResponse) Header() http.Header         { return http.Header{} }
func (discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (discardResponse) WriteHeader(int)             {}

// copySession gives each request its own copy of a shared result.
func copySession(s *session.Session) *session.Session {
	cp := *s
	return &cp
}

// refresh asks the provider for new tokens with s's refresh token.
func (a *Auth) refresh(ctx context.Context, s *session.Session) (_ *session.Session, err error) {
	start := time.Now()
	defer func() { a.reportRefresh(ctx, start, err) }()
	// A TokenSource built per call, with this call's ctx (x/oauth2 keeps
	// the ctx it was built with).
	ts := a.oauth.TokenSource(a.ctx(ctx), &oauth2.Token{RefreshToken: s.RefreshToken})
	tok, err := ts.Token()
	if err != nil {
		return nil, endpoint.Explain(a.c.AuthStyle, endpoint.Redact(endpoint.ProviderFailure(err), a.secret()))
	}
	if err := endpoint.CheckTokenType(tok, "Bearer"); err != nil {
		return nil, err
	}
	ns := *s
	ns.AccessToken = tok.AccessToken
	ns.Issued, ns.Expiry = a.tokenTimes(tok)
	if tok.RefreshToken != "" {
		ns.RefreshToken = tok.RefreshToken // rotated
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" && a.verifier != nil {
		// OpenID Connect Core §12.2: same issuer and subject as before.
		idt, err := a.verifier.VerifyRefreshedIDToken(ctx, raw, s.Subject)
		if err == nil && idt.Issuer != s.Issuer {
			err = errIssuerChanged // another tenant of a multi-tenant provider
		}
		if err == nil {
			err = idt.CheckAccessTokenHash(tok.AccessToken)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w: refreshed ID token: %w", verify.ErrProvider, endpoint.ErrTokenRejected, err)
		}
		var claims map[string]any
		if err := idt.Claims(&claims); err == nil {
			if old := map[string]any{}; json.Unmarshal(s.Claims, &old) == nil {
				for k, v := range claims {
					old[k] = v
				}
				claims = old
			}
			if b, err := json.Marshal(claims); err == nil {
				ns.Claims = b
			}
		}
		ns.IDToken = raw
		if idt.SessionID != "" {
			ns.SID = idt.SessionID
		}
	}
	if a.c.AfterRefresh != nil {
		if err := a.c.AfterRefresh(ctx, &ns); err != nil {
			return nil, fmt.Errorf("%w: AfterRefresh: %w", endpoint.ErrTokenRejected, err)
		}
	}
	return &ns, nil
}
