package session

import (
	"errors"
	"fmt"
)

var (
	// ErrNoSession means the request carries no usable session: none at
	// all, or one that expired (idle or absolute), was tampered with, is
	// missing a chunk, or was logged out. It never means the store failed.
	ErrNoSession = errors.New("session: no session")

	// ErrTooLarge means a session does not fit in the cookie store's
	// chunks. Keep tokens server-side (a store like redisstore) instead.
	ErrTooLarge = errors.New("session: too large for the cookie store")

	// ErrNoFlow means the callback's state matches no pending login flow
	// of this browser: absent, expired, used, altered or tampered with.
	ErrNoFlow = errors.New("session: no pending login flow for this state")

	// ErrNoFlowCookie is the ErrNoFlow (errors.Is matches both) of a
	// callback request that carries no login flow cookie at all: the
	// browser kept none for this host, as when the login began on another
	// host (localhost and 127.0.0.1 are two), the Secure cookie was dropped
	// on plain http, or the login was started in another browser, finished
	// already or is over 10 minutes old.
	ErrNoFlowCookie = fmt.Errorf("%w: the request carries no login flow cookie", ErrNoFlow)
)
