package redisstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// keysUnder lists, by SCAN, the keys under prefix, without it.
func keysUnder(t *testing.T, rdb redis.UniversalClient, prefix string) []string {
	t.Helper()
	var out []string
	it := rdb.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for it.Next(context.Background()) {
		out = append(out, strings.TrimPrefix(it.Val(), prefix))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// Every way a session ends removes every key it created in Redis: its data
// and its entries in the sid and subject index sets (a set goes with its
// last entry). A subject set stays only while another session of that user
// lives, holding that session alone. Checked with SCAN on a real
// redis-server after each logout: through Manager.Delete, through gorilla's
// own idiom (values cleared, MaxAge -1, Save), and by back-channel logout by
// sid and by subject.
func TestLogoutRemovesEveryKey(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	const prefix = "logout:"
	st := newStore(t, rdb, redisstore.Config{Prefix: prefix})
	m := manager(t, st)
	ctx := context.Background()
	subSet := "sub:" + sha256hex("https://op\x00"+"alice\x00")
	sidSet := func(sid string) string { return "sid:" + sha256hex("https://op\x00"+sid+"\x00") }
	dataOf := func(cookie string) string {
		t.Helper()
		gs, err := st.New(newRequest(cookie), "gatehouse")
		if err != nil || gs.IsNew {
			t.Fatalf("the session behind %q: %v (new: %t)", cookie, err, gs.IsNew)
		}
		return sha256hex(gs.ID)
	}
	want := func(when string, keys ...string) {
		t.Helper()
		slices.Sort(keys)
		if got := keysUnder(t, rdb, prefix); !slices.Equal(got, keys) {
			t.Errorf("%s: keys %q, want %q", when, got, keys)
		}
	}
	logout := func(cookie string) {
		t.Helper()
		if err := m.Delete(newRecorderFor(), newRequest(cookie)); err != nil {
			t.Fatal(err)
		}
	}
	alice := func(sid string) string {
		return login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: sid})
	}

	// Manager.Delete, with a second session of the same user alive.
	c1, c2 := alice("s1"), alice("s2")
	h1, h2 := dataOf(c1), dataOf(c2)
	want("two sessions", "s:"+h1, "s:"+h2, sidSet("s1"), sidSet("s2"), subSet)
	logout(c1)
	want("one logged out", "s:"+h2, sidSet("s2"), subSet)
	if members := rdb.ZRange(ctx, prefix+subSet, 0, -1).Val(); !slices.Equal(members, []string{h2}) {
		t.Errorf("the subject set holds %q, want only the live session %q", members, h2)
	}
	logout(c2)
	want("both logged out")

	// gorilla's idiom, straight on the store: the values are cleared before
	// the delete, so the store reads the owner from what it held.
	c3 := alice("s3")
	gs, err := st.Get(newRequest(c3), "gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	gs.Options.MaxAge = -1
	clear(gs.Values)
	if err := st.Save(newRequest(c3), newRecorderFor(), gs); err != nil {
		t.Fatal(err)
	}
	want("deleted with its values cleared")

	// Back-channel logout by sid: the session leaves the subject set too.
	alice("s4")
	c5 := alice("s5")
	if n, err := m.EndSessions(ctx, "https://op", "s4", ""); n != 1 || err != nil {
		t.Fatalf("by sid: %d %v", n, err)
	}
	want("ended by sid", "s:"+dataOf(c5), sidSet("s5"), subSet)
	if n, err := m.EndSessions(ctx, "https://op", "", "alice"); n != 1 || err != nil {
		t.Fatalf("by subject: %d %v", n, err)
	}
	want("ended by subject")
}
