// Package storetest is one conformance suite for the gorilla session stores
// Gatehouse runs on: session.CookieStore, redisstore, or any third-party
// sessions.Store. Run drives the store through session.Manager with real
// httptest requests and recorders and a cookie jar that behaves like a
// browser (Set-Cookie replaces, Max-Age expires, deletion removes).
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sessions.Store { return newMyStore(t) })
//	}
//
// Stores whose sessions have IDs (gorilla's Session.ID, set by Save) keep
// their data server-side; for them the suite also checks what only a
// server-side store can do: a cookie copied before a logout, a renewal or
// the end of its lifetime no longer loads.
package storetest
