package redisstore_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// Two replicas keep sessions in cookies and share a deny list in Redis: a
// logout on one refuses, on the other, a copy of the cookie taken before it.
func TestAttackCookieReplayedOnAnotherReplicaAfterLogout(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv.Addr)
	replica := func() *session.Manager {
		deny, err := redisstore.NewDenyList(rdb, "d:")
		if err != nil {
			t.Fatal(err)
		}
		store, err := session.NewCookieStore(keys...)
		if err != nil {
			t.Fatal(err)
		}
		m, err := session.New(session.Config{Store: store, DenyList: deny})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := replica(), replica()
	cookie := login(t, a, &session.Session{Issuer: "https://op", Subject: "alice"})
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	s, err := b.Load(r)
	if err != nil {
		t.Fatalf("before logout, the other replica: %v", err)
	}
	if err := a.Delete(httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	copied := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	copied.Header.Set("Cookie", cookie)
	if _, err := b.Load(copied); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("the copied cookie on the other replica after logout: %v, want ErrNoSession", err)
	}
	// What Redis holds: one key, no raw ID, expiring with the session.
	ks := rdb.Keys(context.Background(), "d:*").Val()
	if len(ks) != 1 || !strings.HasPrefix(ks[0], "d:deny:") || strings.Contains(ks[0], s.ID) {
		t.Fatalf("deny keys %q", ks)
	}
	if ttl := rdb.PTTL(context.Background(), ks[0]).Val(); ttl <= 0 || ttl > 24*time.Hour+time.Minute {
		t.Errorf("deny key TTL %v, want the session's remaining lifetime", ttl)
	}
	// Redis down: the request fails (503 upstream), it is neither let
	// through nor taken for signed out.
	srv.Stop()
	again := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	again.Header.Set("Cookie", cookie)
	if _, err := b.Load(again); err == nil || errors.Is(err, session.ErrNoSession) || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("deny list down: %v, want ErrUnavailable", err)
	}
}

func TestDenyListKeepsLaterExpiry(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	d, err := redisstore.NewDenyList(rdb, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	if err := d.Deny(ctx, "id", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.Deny(ctx, "id", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ks := rdb.Keys(ctx, "gatehouse:deny:*").Val()
	if len(ks) != 1 {
		t.Fatalf("keys %q", ks)
	}
	if ttl := rdb.PTTL(ctx, ks[0]).Val(); ttl < 59*time.Minute {
		t.Errorf("TTL %v after a shorter second Deny, want the first hour kept", ttl)
	}
	if err := d.Deny(ctx, "over", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"id": true, "other": false, "over": false} {
		if got, err := d.Denied(ctx, id); err != nil || got != want {
			t.Errorf("Denied(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
	if _, err := redisstore.NewDenyList(nil, ""); err == nil {
		t.Error("nil client accepted")
	}
}
