package session_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/session"
)

// A flow's sealed cookie value may take 3 KB, room for a form-post login's
// relayed response (a code past 1 KB), and no more.
func TestFlowSizeBound(t *testing.T) {
	m, _ := newManager(t)
	r := httptest.NewRequest("GET", "https://app.example/login", nil)
	r.TLS = &tls.ConnectionState{}
	for n, want := range map[int]bool{2100: true, 2400: false} {
		w := httptest.NewRecorder()
		_, err := m.SaveFlow(w, r, bytes.Repeat([]byte("c"), n), false)
		switch {
		case want && err != nil:
			t.Errorf("%d bytes of flow data: %v", n, err)
		case want && len(w.Result().Cookies()[0].Value) <= 2048:
			t.Errorf("%d bytes of flow data sealed into %d bytes: the test no longer reaches past 2 KB", n, len(w.Result().Cookies()[0].Value))
		case !want && !errors.Is(err, session.ErrTooLarge):
			t.Errorf("%d bytes of flow data (sealed past 3 KB): %v, want ErrTooLarge", n, err)
		}
	}
}
