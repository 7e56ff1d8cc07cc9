package endpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxTokenLifetime caps every lifetime a token response claims: beyond it
// the number is taken for a provider's mistake (expires_in counted in
// nanoseconds, say) rather than a real lifetime, and a session or a
// machine-to-machine token is never kept longer without renewal.
const maxTokenLifetime = 90 * 24 * time.Hour

// maxJWTPeek bounds the access token whose exp is read for timing.
const maxJWTPeek = 16 << 10

// TokenLifetime is how long, from now, the access token of a token
// response is used before renewal: the earliest of expires_in (also when
// misspelled expire_in, or a string) and, when the access token is a JWT,
// its exp, each believed only within (0, maxTokenLifetime]; def (capped the
// same way) when neither is. The exp is read for timing only: the token is
// never verified or trusted for access here, and an earlier renewal is all
// a lying exp can cause.
func TokenLifetime(tok *oauth2.Token, now time.Time, def time.Duration) time.Duration {
	var life time.Duration
	consider := func(d time.Duration) {
		if d > 0 && d <= maxTokenLifetime && (life == 0 || d < life) {
			life = d
		}
	}
	switch {
	case tok.ExpiresIn > 0:
		if tok.ExpiresIn <= int64(maxTokenLifetime/time.Second) {
			consider(time.Duration(tok.ExpiresIn) * time.Second)
		}
	case !tok.Expiry.IsZero(): // a form-encoded answer: x/oauth2 set only Expiry
		consider(tok.Expiry.Sub(now))
	default:
		consider(misspelledExpiresIn(tok))
	}
	if exp, ok := jwtExpiry(tok.AccessToken); ok {
		consider(exp.Sub(now))
	}
	if life == 0 {
		life = min(def, maxTokenLifetime)
	}
	return life
}

// misspelledExpiresIn reads "expire_in", a number or a string of seconds,
// which at least one provider documents instead of expires_in.
func misspelledExpiresIn(tok *oauth2.Token) time.Duration {
	var s string
	switch v := tok.Extra("expire_in").(type) {
	case string:
		s = v
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		s = v.String()
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > int64(maxTokenLifetime/time.Second) {
		return 0
	}
	return time.Duration(n) * time.Second
}

// jwtExpiry reads the exp claim of raw when it looks like a compact JWS,
// unverified: for scheduling a renewal only, never for a decision about
// access.
func jwtExpiry(raw string) (time.Time, bool) {
	if len(raw) > maxJWTPeek || strings.Count(raw, ".") != 2 {
		return time.Time{}, false
	}
	payload := raw[strings.IndexByte(raw, '.')+1 : strings.LastIndexByte(raw, '.')]
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return time.Time{}, false
	}
	var c struct {
		Exp json.Number `json:"exp"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&c) != nil {
		return time.Time{}, false
	}
	exp, err := c.Exp.Int64()
	if err != nil || exp <= 0 {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}
