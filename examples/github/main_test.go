package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// With no GITHUB_CLIENT_ID, the stand-in provider answers like GitHub; a
// login lands on /me with the user from the user API.
func TestGitHubStandIn(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	addrc, done := make(chan string, 1), make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- run(ctx, func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0"}[k] }, io.Discard, func(a string) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("run: %v %s", err, out.String())
	case <-time.After(20 * time.Second):
		t.Fatal("did not start")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/login?return_to=/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="username"`) {
		t.Fatalf("no login form: %s", body)
	}
	// Submit the stand-in's form like a person would.
	form := resp.Request.URL.Query()
	form.Set("username", "octocat")
	resp, err = c.PostForm(resp.Request.URL.Scheme+"://"+resp.Request.URL.Host+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me["subject"] != "octocat" {
		t.Errorf("/me: %d %v", resp.StatusCode, me)
	}
}
