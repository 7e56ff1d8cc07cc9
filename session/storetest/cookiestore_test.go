package storetest_test

import (
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/storetest"
)

func TestCookieStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessions.Store {
		s, err := session.NewCookieStore([]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
