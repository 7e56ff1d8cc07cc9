// Package session keeps the login state of a web application: who is
// signed in, with which tokens, and the short-lived state of each login in
// progress.
//
// A Manager loads and saves a typed Session over any gorilla
// sessions.Store: the CookieStore of this package (everything in the
// browser, encrypted and signed), redisstore (server-side), or any
// third-party gorilla store (gob stores work: Session is gob-registered).
//
// What it guarantees:
//
//   - Load returns ErrNoSession for a session that is absent, tampered
//     with, missing a chunk, past its idle or absolute timeout, or logged
//     out; any other error is a store failure, never "signed out".
//   - Login issues a fresh session ID (against fixation) and deny-lists
//     the session it replaces; Delete deny-lists the session's ID until it
//     would have expired, so a cookie copied before the logout is refused.
//   - Touch makes a save needed only every IdleTimeout/16 (at most a
//     minute), so most requests write no Set-Cookie.
//   - Each login flow (SaveFlow, TakeFlow: the login's own data under a
//     random state of 256 bits) has a cookie of its own, used once, bound
//     to the browser, valid 10 minutes; logins in several tabs do not
//     disturb each other, and the number of pending flows is bounded.
//   - Lock holds a session's cross-replica lock (stores that implement
//     Locker, such as redisstore) and reads the session again under it, so
//     a refresh of its tokens happens once across replicas.
//
// The CookieStore serializes each value as JSON (never gob) in a small
// binary frame, so reading a session decodes the cookie once and the
// Session's JSON once. Past the browsers' 4 KB limit it splits the value
// over numbered cookies, at most MaxChunks of them. Its cookies are
// HttpOnly, SameSite=Lax, Secure and "__Host-" prefixed, for every request:
// nothing a request carries (its Host header, scheme or X-Forwarded-Proto)
// decides. Browsers accept Secure cookies from http://localhost and
// 127.0.0.1, so local development over plain http still works.
//
// The default deny list (and the record of back-channel logouts kept for
// cookie stores) lives in one process: several replicas with a cookie
// store need a shared DenyList.
package session
