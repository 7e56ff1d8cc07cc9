package login

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/session"
)

// logoutFlowProvider marks the flow of an RP-initiated logout: no login's
// provider has this name, so the Callback refuses its state, and
// LoggedOut refuses a login's.
const logoutFlowProvider = "\x00logout"

// logoutState starts the one-time state of an RP-initiated logout: a flow
// cookie (session.Manager.SaveFlow: bound to this browser, 10 minutes)
// whose state is sent to the end_session_endpoint. Some providers (Glewlwyd)
// return the browser only when a state is present; OpenID Connect
// RP-Initiated Logout 1.0 §2 makes it optional.
func (a *Auth) logoutState(w http.ResponseWriter, r *http.Request) (string, error) {
	f := &flow{Provider: logoutFlowProvider + a.c.Name}
	if err := a.saveFlow(w, r, f, false); err != nil {
		return "", err
	}
	return f.State, nil
}

// LoggedOut wraps the page at PostLogoutRedirectURL, where the provider
// returns the browser after an RP-initiated logout. A request carrying a
// state must carry the one Logout sent from this browser, once and within
// 10 minutes; otherwise it is refused (400, ErrLoginState) and next does
// not run. A request without state (the page visited directly, or a
// provider that drops it) reaches next.
func (a *Auth) LoggedOut(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("state") {
			next.ServeHTTP(w, r)
			return
		}
		f, err := a.takeFlow(w, r, q.Get("state"))
		if err != nil || len(q["state"]) != 1 || f.Provider != logoutFlowProvider+a.c.Name {
			if err == nil || errors.Is(err, session.ErrNoFlow) {
				err = ErrLoginState
			}
			a.fail(w, r, &AuthError{Status: http.StatusBadRequest, Code: "invalid_state",
				Message: "This sign-out return does not match a sign-out started in this browser.", Err: err})
			return
		}
		next.ServeHTTP(w, r)
	})
}
