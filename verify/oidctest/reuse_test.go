package oidctest_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// Count("refresh_token_reused") counts every spent refresh token presented
// again, with reuse detection on (the grant is revoked) or off, and nothing
// else: a fresh token, an unknown one and a non-rotating provider's
// repeated token are not reuse.
func TestCountReusedRefreshTokens(t *testing.T) {
	s := newServer(t)
	tok := signIn(t, s)
	_, r2 := tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	tokenRequest(t, s, refreshForm("unknown"))
	if n := s.Count("refresh_token_reused"); n != 0 {
		t.Fatalf("before any reuse: %d", n)
	}
	tokenRequest(t, s, refreshForm(tok["refresh_token"])) // reuse: revokes
	tokenRequest(t, s, refreshForm(r2["refresh_token"]))  // grant revoked: not a reuse
	if n := s.Count("refresh_token_reused"); n != 1 {
		t.Errorf("after one reuse: %d", n)
	}
	s.Set(func(b *oidctest.Behavior) { b.DisableReuseDetection = true })
	tok = signIn(t, s)
	tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	if n := s.Count("refresh_token_reused"); n != 2 {
		t.Errorf("a reuse without detection: %d, want counted", n)
	}
	s.Set(func(b *oidctest.Behavior) { b.DisableReuseDetection, b.DisableRefreshRotation = false, true })
	tok = signIn(t, s)
	for range 3 {
		tokenRequest(t, s, refreshForm(tok["refresh_token"]))
	}
	if n := s.Count("refresh_token_reused"); n != 2 {
		t.Errorf("a non-rotating provider's token used 3 times: %d, want no reuse", n)
	}
}
