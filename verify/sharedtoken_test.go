package verify

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// TestAttackCachedTokenModified: a handler that writes to the Token it was
// handed (against Verify's rule) changes nothing for a later request with
// the same token: not its fields, not its slices' members, and not how long
// the cache accepts it.
func TestAttackCachedTokenModified(t *testing.T) {
	now := time.Now()
	op, v := cacheSetup(t, Config{Leeway: -1, Now: func() time.Time { return now }})
	exp := now.Add(time.Minute).Truncate(time.Second)
	raw := op.Sign(oidctest.Token{Claims: map[string]any{
		"iss": op.Issuer(), "sub": "alice", "aud": []string{"api", "other"},
		"scope": "read write", "exp": exp.Unix(),
	}})
	first, err := v.Verify(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	want := *first
	wantAud, wantScopes := slices.Clone(first.Audience), slices.Clone(first.Scopes)
	for _, c := range []struct {
		name   string
		modify func(*Token)
	}{
		{"Subject", func(tk *Token) { tk.Subject = "admin" }},
		{"Expiry", func(tk *Token) { tk.Expiry = exp.Add(time.Hour) }},
		{"ScopesAppended", func(tk *Token) { tk.Scopes = append(tk.Scopes, "admin") }},
		{"ScopeMember", func(tk *Token) { tk.Scopes[0] = "admin" }},
		{"AudienceMember", func(tk *Token) { tk.Audience[1] = "evil" }},
		{"Confirmation", func(tk *Token) { tk.Confirmation.JKT = "attacker" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.Verify(t.Context(), raw)
			if err != nil {
				t.Fatal(err)
			}
			c.modify(got)
			next, err := v.Verify(t.Context(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if next == got {
				t.Fatal("a modified Token was handed out again")
			}
			if next.Subject != want.Subject || next.Expiry != want.Expiry || next.Confirmation != want.Confirmation ||
				!slices.Equal(next.Scopes, wantScopes) || !slices.Equal(next.Audience, wantAud) {
				t.Errorf("the next request saw the write: %+v", next)
			}
			if again, _ := v.Verify(t.Context(), raw); again != next {
				t.Error("the fresh copy is not shared from then on")
			}
		})
	}
	// Every handed-out Token says exp+1h now; the cache still refuses at exp.
	tok, err := v.Verify(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	tok.Expiry = exp.Add(time.Hour)
	now = exp.Add(time.Second)
	if _, err := v.Verify(t.Context(), raw); !errors.Is(err, ErrExpired) {
		t.Errorf("cached token past its real exp after a handler moved Expiry: %v, want ErrExpired", err)
	}
}

// TestCacheHitAllocatesNothing: a hit hands out the shared Token.
func TestCacheHitAllocatesNothing(t *testing.T) {
	op, v := cacheSetup(t, Config{})
	raw := op.AccessToken("alice", "api", "read write")
	if _, err := v.Verify(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if n := testing.AllocsPerRun(100, func() { v.Verify(ctx, raw) }); n != 0 {
		t.Errorf("a cache hit allocates %v times, want 0", n)
	}
}
