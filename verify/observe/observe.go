// Package observe is how Gatehouse's components tell an application what
// they did, for metrics, traces or logs: each reports one Event to an
// Observer set in its configuration. It has no dependency, so every layer
// (verify, session, the handlers) can import it; adapters for OpenTelemetry
// and Prometheus live in modules of their own (otelobserve, promobserve).
//
// An Event never holds a token, a secret, an authorization code, a cookie, a
// subject or an error message: only its Kind, Outcome, a Reason from a fixed
// set of short words, the trusted issuer concerned, a duration and a count.
// Every string in it comes from a bounded set, so each may be a metric
// label.
package observe

import (
	"context"
	"time"
)

// Observer receives the events of the components it is set in. Observe is
// called on the request's goroutine (ctx is the request's context, so a
// tracer finds its parent span there) and, for background work such as a
// key-set refresh, on the component's own goroutine: implementations must be
// safe for concurrent use, return quickly and not keep ctx. Where a
// component takes an Observer, nil reports nothing.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// Event is one thing a component did.
type Event struct {
	Kind    Kind    // what was done
	Outcome Outcome // how it ended

	// Reason says why, in a short word from a fixed set per Kind (its
	// component's documentation lists them): "signature", "expired",
	// "unreachable", … Empty when Outcome is OK.
	Reason string

	// Issuer is the trusted provider concerned: its configured issuer
	// identifier (an IssuerTemplate's template for a multi-tenant one).
	// Empty when no trusted provider is known, as for a token refused
	// before its signature checked out: a refused token's "iss" is never
	// copied here.
	Issuer string

	// Duration is how long the work took, waits for the provider
	// included: set for KeyFetch, TokenRequest, Refresh, and for a Verify
	// or Introspect that did the work; zero for a Cached answer (its
	// lookup is not timed), for a token refused before any call, and for
	// the browser login steps.
	Duration time.Duration

	// Count is the number of usable keys a KeyFetch brought, or of
	// sessions a BackchannelLogout ended; 0 otherwise.
	Count int

	// Cached is true when the answer came from a cache, with no
	// signature check or call to the provider.
	Cached bool
}

// Kind names what was done. Its values are metric-label-ready.
type Kind string

// The kinds of Event.
const (
	// KeyFetch is one fetch of a provider's key set (JWKS): the first, a
	// periodic background refresh, or one caused by an unknown kid.
	KeyFetch Kind = "key_fetch"
	// Verify is one access token checked by a verify.Verifier.
	Verify Kind = "verify"
	// Introspect is one answer about an opaque token from a
	// verify.Introspector: a call to the introspection endpoint, or a
	// cached answer.
	Introspect Kind = "introspect"
	// BearerRefusal is one request the bearer middleware refused (the
	// requests it let through are its verifier's Verify events). Reason is
	// the RFC 6750 error code, or "no_token".
	BearerRefusal Kind = "bearer_refusal"
	// TokenRequest is one request of an outbound client (client
	// credentials, a provisioned refresh token, token exchange) to the
	// token endpoint.
	TokenRequest Kind = "token_request"
	// LoginStart is one browser login started (the redirect to the
	// provider), or refused before it.
	LoginStart Kind = "login_start"
	// Login is one login completed at the callback, or failed there.
	Login Kind = "login"
	// Refresh is one refresh of a signed-in session's tokens.
	Refresh Kind = "refresh"
	// Logout is one logout requested by the browser.
	Logout Kind = "logout"
	// BackchannelLogout is one logout token the provider sent (OpenID
	// Connect Back-Channel Logout); Count is the sessions it ended, when
	// the session store can count them.
	BackchannelLogout Kind = "backchannel_logout"
)

// Outcome is how it ended. Its values are metric-label-ready.
type Outcome string

// The outcomes of an Event.
const (
	// OK: done (a token accepted, keys fetched).
	OK Outcome = "ok"
	// Refused: judged and refused (an invalid or inactive token).
	Refused Outcome = "refused"
	// Failed: could not be done or judged (a provider unreachable, an
	// answer unreadable).
	Failed Outcome = "failed"
)
