package stores

import "time"

// DefaultMaxAge is how long a session lives when the store's options set
// no lifetime: one day, for the cookie store and redisstore alike.
const DefaultMaxAge = 24 * time.Hour
