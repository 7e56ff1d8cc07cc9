package storetest

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
)

// testConcurrency: 50 goroutines, each its own user, log in, then load,
// change and save their session 5 times, on one Manager and store (run
// with -race); nobody sees anybody else's session.
func testConcurrency(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	m := newManager(t, newStore(t), session.Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			sub := fmt.Sprint("user", i)
			w := httptest.NewRecorder()
			if err := m.Login(w, jar{}.request(), sample(sub, 100)); err != nil {
				errs <- fmt.Errorf("%s: Login: %w", sub, err)
				return
			}
			j := jar{}.take(w)
			for n := range 5 {
				s, err := m.Load(j.request())
				if err != nil {
					errs <- fmt.Errorf("%s: Load %d: %w", sub, n, err)
					return
				}
				if s.Subject != sub || n > 0 && s.Extra["n"] != fmt.Sprint(sub, "/", n-1) {
					errs <- fmt.Errorf("%s: Load %d gave %s's session (%v)", sub, n, s.Subject, s.Extra)
					return
				}
				s.Extra = map[string]string{"n": fmt.Sprint(sub, "/", n)}
				w := httptest.NewRecorder()
				if err := m.Save(w, j.request(), s); err != nil {
					errs <- fmt.Errorf("%s: Save %d: %w", sub, n, err)
					return
				}
				j = j.take(w)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
