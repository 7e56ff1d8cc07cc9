package endpoint

import "time"

// RenewAt is when a token valid from issued until expires is renewed:
// margin before it expires, the margin capped at half the token's lifetime,
// so a token is used for at least half its life and renewed about once per
// lifetime however short it lives. With issued unknown (zero) the whole
// margin applies. The one rule for browser sessions (Config.RefreshMargin)
// and machine-to-machine clients (ClientConfig.ExpiryMargin).
func RenewAt(issued, expires time.Time, margin time.Duration) time.Time {
	if !issued.IsZero() {
		margin = min(margin, expires.Sub(issued)/2)
	}
	return expires.Add(-margin)
}

// PositiveOr is d, or def when d is not positive: the rule of every
// duration setting whose zero (or negative) value means "the default".
func PositiveOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
