package login

import (
	"errors"
	"net/http"
	"testing"
)

// A failure that is not an *AuthError (none today; any later one) reaches
// the responder as a 500 carrying it, instead of panicking the request.
func TestAsAuthErrorNeverPanics(t *testing.T) {
	plain := errors.New("something else")
	if e := asAuthError(plain); e.Status != http.StatusInternalServerError || !errors.Is(e, plain) {
		t.Errorf("plain error became %+v", e)
	}
	store := storeError(errors.New("down"))
	if e := asAuthError(fmtWrap(store)); e != store {
		t.Errorf("a wrapped *AuthError was not unwrapped: %+v", e)
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }
