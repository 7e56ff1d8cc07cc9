package login

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// stepKey is the context key under which a login step's request carries its
// observe.Kind, so that fail reports the step's failures as that kind.
type stepKey struct{}

// step marks r as a request of the login step k, when there is an Observer.
func (a *Auth) step(r *http.Request, k observe.Kind) *http.Request {
	if a.c.Observer == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), stepKey{}, k))
}

// report tells the Observer about e, with the provider's issuer.
func (a *Auth) report(ctx context.Context, e observe.Event) {
	if a.c.Observer != nil {
		e.Issuer = a.md.Issuer
		a.c.Observer.Observe(ctx, e)
	}
}

// failed reports e, a failure of the step r was marked with (none when r
// was not marked): Refused for a 4xx, Failed for a 5xx, with e's code as
// Reason, a provider's code only when it is one of the OAuth and OpenID
// Connect codes.
func (a *Auth) failed(r *http.Request, e *AuthError) {
	k, ok := r.Context().Value(stepKey{}).(observe.Kind)
	if !ok {
		return
	}
	ev := observe.Event{Kind: k, Outcome: observe.Refused, Reason: e.Code}
	if e.Status >= http.StatusInternalServerError {
		ev.Outcome = observe.Failed
	}
	if errors.Is(e.Err, verify.ErrProvider) || errors.Is(e.Err, ErrLoginDenied) {
		ev.Reason = endpoint.KnownCode(e.Code)
	}
	a.report(r.Context(), ev)
}

// reportRefresh reports a refresh that started at start and ended with err.
func (a *Auth) reportRefresh(ctx context.Context, start time.Time, err error) {
	e := observe.Event{Kind: observe.Refresh, Duration: time.Since(start)}
	e.Outcome, e.Reason = endpoint.Outcome(err)
	a.report(ctx, e)
}
