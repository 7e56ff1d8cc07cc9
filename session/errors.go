package session

import "errors"

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
)
