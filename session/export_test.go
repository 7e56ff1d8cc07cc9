package session

import "time"

// SetStoreClock sets the clock a CookieStore seals and checks expiry with.
func SetStoreClock(s *CookieStore, now func() time.Time) { s.now = now }
