package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/session"
)

// refreshGrace is how long the result of a refresh is handed to requests
// that still present the refresh token it replaced (they left the browser
// before its cookie was updated). Sending the old, rotated refresh token to
// the provider again would look like token theft and revoke the grant.
const refreshGrace = 2 * time.Minute

// maxRefreshCalls bounds the remembered refresh results.
const maxRefreshCalls = 10000

// refreshCall is one refresh, shared by every request holding the same
// refresh token.
type refreshCall struct {
	done    chan struct{}
	s       *session.Session
	err     error
	expires time.Time // when the finished result is forgotten
}

// refreshShared refreshes s once per refresh token in this process: the
// first caller asks the provider; callers that arrive meanwhile, or within
// refreshGrace after, get the same result.
func (a *Auth) refreshShared(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session.Session) (*session.Session, error) {
	sum := sha256.Sum256([]byte(s.RefreshToken))
	key := string(sum[:])
	now := a.c.Now()
	a.mu.Lock()
	c := a.pending[key]
	if c != nil && (!isDone(c) || c.err == nil && now.Before(c.expires)) {
		a.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err != nil {
			return nil, c.err
		}
		return copySession(c.s), nil
	}
	if len(a.pending) >= maxRefreshCalls {
		for k, old := range a.pending {
			if isDone(old) && now.After(old.expires) {
				delete(a.pending, k)
			}
		}
	}
	c = &refreshCall{done: make(chan struct{})}
	a.pending[key] = c
	a.mu.Unlock()

	// The refresh serves every waiter: it must not die with this request.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.client.Timeout)
	defer cancel()
	ns, err := a.refreshLocked(rctx, w, r, s)
	a.mu.Lock()
	c.s, c.err, c.expires = ns, err, a.c.Now().Add(refreshGrace)
	if err != nil {
		delete(a.pending, key) // a later request may try again
	}
	close(c.done)
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return copySession(ns), nil
}

func isDone(c *refreshCall) bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// copySession gives each request its own copy of a shared result.
func copySession(s *session.Session) *session.Session {
	cp := *s
	return &cp
}

// refreshLockTTL is the lease of the cross-replica refresh lock; the store
// extends it while the refresh runs.
const refreshLockTTL = 10 * time.Second

// refreshLocked refreshes under the store's cross-replica lock when it has
// one: after taking the lock it reads the session again, and when another
// replica refreshed meanwhile it uses those tokens instead of refreshing
// again. The new tokens are saved before the lock is released.
func (a *Auth) refreshLocked(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session.Session) (*session.Session, error) {
	locker, ok := a.c.Sessions.Locker()
	if !ok {
		return a.refresh(ctx, s)
	}
	unlock, err := locker.Lock(ctx, "refresh:"+s.ID, refreshLockTTL)
	if err != nil {
		return nil, storeError(err)
	}
	defer unlock()
	cur, err := a.c.Sessions.Reload(r)
	switch {
	case errors.Is(err, session.ErrNoSession):
		return nil, fmt.Errorf("%w: the session ended during the refresh", errTokenRejected)
	case err != nil:
		return nil, storeError(err)
	case cur.RefreshToken != s.RefreshToken && !a.needsRefresh(cur):
		return cur, nil // refreshed by another replica
	}
	ns, err := a.refresh(ctx, cur)
	if err != nil {
		return nil, err
	}
	if err := a.c.Sessions.Save(w, r, ns); errors.Is(err, session.ErrNoSession) {
		return nil, fmt.Errorf("%w: the session ended during the refresh", errTokenRejected)
	} else if err != nil {
		return nil, storeError(err)
	}
	return ns, nil
}

// refresh asks the provider for new tokens with s's refresh token.
func (a *Auth) refresh(ctx context.Context, s *session.Session) (*session.Session, error) {
	// A TokenSource built per call, with this call's ctx (x/oauth2 keeps
	// the ctx it was built with).
	ts := a.oauth.TokenSource(a.ctx(ctx), &oauth2.Token{RefreshToken: s.RefreshToken})
	tok, err := ts.Token()
	if err != nil {
		return nil, redact(providerError(err), a.c.ClientSecret)
	}
	if !strings.EqualFold(tok.Type(), "Bearer") {
		return nil, fmt.Errorf("%w: %w: token_type %q is not Bearer", ErrProvider, errTokenRejected, printable(tok.TokenType, 32))
	}
	ns := *s
	ns.AccessToken, ns.Expiry = tok.AccessToken, tok.Expiry
	if ns.Expiry.IsZero() {
		ns.Expiry = a.c.Now().Add(a.c.DefaultTokenLifetime)
	}
	if tok.RefreshToken != "" {
		ns.RefreshToken = tok.RefreshToken // rotated
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" && a.verifier != nil {
		// OpenID Connect Core §12.2: same issuer and subject as before.
		idt, err := a.verifier.VerifyRefreshedIDToken(ctx, raw, s.Subject)
		if err == nil {
			err = idt.CheckAccessTokenHash(tok.AccessToken)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w: refreshed ID token: %w", ErrProvider, errTokenRejected, err)
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
			return nil, fmt.Errorf("%w: AfterRefresh: %w", errTokenRejected, err)
		}
	}
	return &ns, nil
}
