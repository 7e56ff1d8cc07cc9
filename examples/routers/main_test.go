package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/examples/internal/runtest"
)

// go run . with no provider: the printed curl commands work.
func TestRunEmbeddedProvider(t *testing.T) {
	base, out := runtest.Start(t, run, map[string]string{"ROUTER": "huma", "ADDR": "127.0.0.1:0"})
	if !strings.Contains(out.String(), "huma listening on "+base) {
		t.Errorf("start-up output:\n%s", out)
	}
	curls := regexp.MustCompile(`curl -i -H 'Authorization: Bearer (\S+)' (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(curls) != 2 {
		t.Fatalf("want two curl commands in:\n%s", out)
	}
	for _, c := range curls {
		req, _ := http.NewRequest("GET", c[2], nil)
		req.Header.Set("Authorization", "Bearer "+c[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", c[2], resp.StatusCode)
		}
	}
}

func TestRunRejectsBadEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ROUTER": "martini"}, "gorillamux"},
		{map[string]string{"OIDC_ISSUER": "http://127.0.0.1:1"}, "needs ClientID, Audience"},
		{map[string]string{"OIDC_ISSUER": "http://127.0.0.1:1", "OIDC_CLIENT_ID": "x"}, "needs ClientID, Audience"},
	} {
		c.env["ADDR"] = "127.0.0.1:0"
		err := run(t.Context(), func(k string) string { return c.env[k] }, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.env, err, c.want)
		}
	}
}
