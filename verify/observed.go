package verify

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/observe"
)

// This file is what verify tells an Observer (see Config.Observer and the
// other Observer fields).

// judged returns the Outcome and Reason an Observer gets for a verification
// that returned err: OK; Failed "unavailable" for ErrUnavailable (the token
// could not be judged); Refused with the failed check's reason word
// otherwise.
func judged(err error) (observe.Outcome, string) {
	switch {
	case err == nil:
		return observe.OK, ""
	case errors.Is(err, ErrUnavailable):
		return observe.Failed, "unavailable"
	}
	return observe.Refused, reason(err)
}

// reason is the reason word of the check err failed, "invalid" for a
// refusal that names none. (Apart from judged, so that the variable
// errors.As needs is allocated on refusals only.)
func reason(err error) string {
	var ce *checkError
	if errors.As(err, &ce) && ce.reason != "" {
		return ce.reason
	}
	return "invalid"
}

// report tells the Introspector's Observer about one answer: a call that
// started at start, or a cached answer (cached, start zero: no duration).
func (in *Introspector) report(ctx context.Context, start time.Time, cached bool, err error) {
	if in.obs == nil {
		return
	}
	e := observe.Event{Kind: observe.Introspect, Issuer: in.issuer, Cached: cached}
	if !start.IsZero() {
		e.Duration = time.Since(start)
	}
	e.Outcome, e.Reason = judged(err)
	in.obs.Observe(ctx, e)
}
