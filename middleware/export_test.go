package middleware

// RefreshResults is how many refreshes a remembers (Auth.pending), for the
// bound's tests.
func RefreshResults(a *Auth) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending.len()
}

// SetMaxRefreshResults lowers the bound of a's remembered refreshes, so a
// test reaches it with a few sessions.
func SetMaxRefreshResults(a *Auth, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending.max = n
}
