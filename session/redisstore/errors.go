package redisstore

import "errors"

// ErrUnavailable matches every error caused by Redis itself (down, slower
// than Config.Timeout, refusing a command). It never means "no session":
// answer 503 and keep the user's cookie.
var ErrUnavailable = errors.New("redisstore: redis unavailable")
