// Package stores holds what Gatehouse's gorilla session stores
// (session.CookieStore and redisstore) share with session.Manager, so that
// each rule has one source: how their cookies are named and which
// attributes are forced on them, where the Session lives among a gorilla
// session's Values, and the default lifetime of a session.
package stores
