package redisstore_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/session"
	"github.com/gatehouse-go/gatehouse/session/redisstore"
	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

func TestNewChecksConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, c := range map[string]redisstore.Config{
		"no keys":       {},
		"odd keys":      {KeyPairs: keys[:1]},
		"short hash":    {KeyPairs: [][]byte{make([]byte, 16), make([]byte, 32)}},
		"AES-128 block": {KeyPairs: [][]byte{make([]byte, 32), make([]byte, 16)}},
	} {
		if _, err := redisstore.New(rdb, c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := redisstore.New(nil, redisstore.Config{KeyPairs: keys}); err == nil {
		t.Error("nil client: accepted")
	}
	// No I/O in New: Redis may be down while the application starts.
	if _, err := redisstore.New(rdb, redisstore.Config{KeyPairs: keys}); err != nil {
		t.Errorf("New with Redis unreachable: %v", err)
	}
}

// What Redis holds: the session's binary form under
// Prefix+"s:"+hex(SHA-256(id)), with the
// session's TTL; no key or value holds the ID the cookie carries.
func TestStoredForm(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	st := newStore(t, rdb, redisstore.Config{Prefix: "app:"})
	cookie := login(t, manager(t, st), &session.Session{Issuer: "https://op", Subject: "alice", SID: "s1"})
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	gs, err := st.New(r, "gatehouse")
	if err != nil || gs.ID == "" {
		t.Fatalf("New: %v %q", err, gs.ID)
	}
	if b, err := base64.RawURLEncoding.DecodeString(gs.ID); err != nil || len(b) != 32 {
		t.Errorf("session ID %q: want 256 random bits, base64url", gs.ID)
	}
	if s, ok := gs.Values["gatehouse"].(*session.Session); !ok || s.Subject != "alice" {
		t.Errorf("loaded value is a %T, want the *session.Session", gs.Values["gatehouse"])
	}
	ctx := context.Background()
	ks, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 3 { // data, sid index, sub index
		t.Errorf("keys %q, want the data and two index sets", ks)
	}
	for _, k := range ks {
		if !strings.HasPrefix(k, "app:") {
			t.Errorf("key %q outside the prefix", k)
		}
		if strings.Contains(k, gs.ID) || strings.Contains(k, "alice") || strings.Contains(k, "s1") {
			t.Errorf("key %q holds a raw ID", k)
		}
		if dump, _ := rdb.Dump(ctx, k).Result(); strings.Contains(dump, gs.ID) {
			t.Errorf("value of %q holds the raw session ID", k)
		}
		if ttl := rdb.TTL(ctx, k).Val(); ttl < 23*time.Hour || ttl > 25*time.Hour+2*time.Minute {
			t.Errorf("TTL of %q is %v, want the session's lifetime (24 h)", k, ttl)
		}
	}
	data, err := rdb.Get(ctx, "app:s:"+sha256hex(gs.ID)).Bytes()
	if err != nil {
		t.Fatalf("data not under Prefix+s:+hex(SHA-256(ID)): %v", err)
	}
	// A frame byte, the length, then the session's binary form.
	var v session.Session
	if len(data) < 3 || data[0] != 0xB2 || int(data[1]) != len(data)-2 || v.UnmarshalBinary(data[2:]) != nil || v.Subject != "alice" {
		t.Errorf("data is not the framed binary session: %q", data)
	}
}

// Data stored by earlier versions, a JSON object of the values, still loads.
func TestStoredJSONFormStillLoads(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	st := newStore(t, rdb, redisstore.Config{Prefix: "app:"})
	m := manager(t, st)
	cookie := login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s1"})
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	gs, err := st.New(r, "gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	s := gs.Values["gatehouse"].(*session.Session)
	js, _ := json.Marshal(map[string]any{"gatehouse": s, "other": "kept"})
	key := "app:s:" + sha256hex(gs.ID)
	ctx := context.Background()
	if err := rdb.Set(ctx, key, js, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	got, err := m.Load(r)
	if err != nil || got.Subject != "alice" || got.ID != s.ID {
		t.Fatalf("JSON-era data loaded as %+v, %v", got, err)
	}
	// Saved again, it moves to the binary form and keeps the other value.
	w := httptest.NewRecorder()
	if err := m.Save(w, r, got); err != nil {
		t.Fatal(err)
	}
	data, _ := rdb.Get(ctx, key).Bytes()
	if len(data) == 0 || data[0] != 0xB2 || !strings.HasSuffix(string(data), `{"other":"kept"}`) {
		t.Errorf("saved again as %q", data)
	}
}

// The TTL follows each session's Options.MaxAge (Config.MaxAge for 0); a
// negative MaxAge deletes the data and the cookie.
func TestMaxAge(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	st := newStore(t, rdb, redisstore.Config{MaxAge: time.Hour, Prefix: "m:"})
	ctx := context.Background()
	ttlOf := func(maxAge int) (time.Duration, *sessions.Session, *httptest.ResponseRecorder) {
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		gs, err := st.New(r, "x")
		if err != nil {
			t.Fatal(err)
		}
		gs.Options.MaxAge = maxAge
		gs.Values["k"] = "v"
		w := httptest.NewRecorder()
		if err := st.Save(r, w, gs); err != nil {
			t.Fatal(err)
		}
		return rdb.TTL(ctx, "m:s:"+sha256hex(gs.ID)).Val(), gs, w
	}
	if ttl, _, w := ttlOf(60); ttl <= 55*time.Second || ttl > 60*time.Second || w.Result().Cookies()[0].MaxAge != 60 {
		t.Errorf("MaxAge 60: TTL %v", ttl)
	}
	if ttl, _, w := ttlOf(0); ttl <= 59*time.Minute || ttl > time.Hour || w.Result().Cookies()[0].MaxAge != 0 {
		t.Errorf("MaxAge 0 (browser-session cookie): TTL %v, want Config.MaxAge", ttl)
	}
	_, gs, w := ttlOf(60)
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", w.Result().Cookies()[0].Name+"="+w.Result().Cookies()[0].Value)
	gs.Options.MaxAge = -1
	w = httptest.NewRecorder()
	if err := st.Save(r, w, gs); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, "m:s:"+sha256hex(gs.ID)).Val(); n != 0 {
		t.Error("MaxAge -1 left the data")
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("MaxAge -1: cookies %v, want one deletion", c)
	}
	if gs2, err := st.New(r, "x"); err != nil || !gs2.IsNew {
		t.Errorf("the deleted session's cookie: IsNew %v, %v", gs2.IsNew, err)
	}
}

// Cookies get the same safe attributes as session.CookieStore's, whatever
// Options say; __Host- where browsers allow it.
func TestCookieAttributes(t *testing.T) {
	rdb := client(t, "127.0.0.1:1")
	st := newStore(t, rdb, redisstore.Config{Options: &sessions.Options{MaxAge: 60, SameSite: http.SameSiteNoneMode}})
	cookie := func(target string, tlsOn bool) *http.Cookie {
		r := httptest.NewRequest("GET", target, nil)
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		gs, err := st.New(r, "gatehouse") // no cookie: no I/O
		if err != nil {
			t.Fatal(err)
		}
		gs.Options.MaxAge = -1
		if err := st.Save(r, w, gs); err != nil {
			t.Fatal(err)
		}
		return w.Result().Cookies()[0]
	}
	if c := cookie("https://app.example/", true); c.Name != "__Host-gatehouse" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode {
		t.Errorf("https: %+v", c)
	}
	if c := cookie("http://app.example/", false); !c.Secure {
		t.Errorf("http to a public host: not Secure: %+v", c)
	}
	// Never from the request: a proxy's "Host: 127.0.0.1" changes nothing.
	if c := cookie("http://127.0.0.1/", false); c.Name != "__Host-gatehouse" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode {
		t.Errorf("http to loopback: %+v (want Secure and __Host-, as everywhere)", c)
	}
}

// Keys rotate: a cookie from the old pair loads once a new pair is in
// front; a cookie from unknown keys is no session.
func TestKeyRotation(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	old := newStore(t, rdb, redisstore.Config{Prefix: "k:"})
	cookie := login(t, manager(t, old), &session.Session{Subject: "alice"})
	newKeys := [][]byte{[]byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32))}
	rotated := newStore(t, rdb, redisstore.Config{Prefix: "k:", KeyPairs: append(newKeys, keys...)})
	if s, err := load(manager(t, rotated), cookie); err != nil || s.Subject != "alice" {
		t.Errorf("old cookie after rotation: %v", err)
	}
	foreign := newStore(t, rdb, redisstore.Config{Prefix: "k:", KeyPairs: newKeys})
	if _, err := load(manager(t, foreign), cookie); err != session.ErrNoSession {
		t.Errorf("cookie from unknown keys: %v", err)
	}
}

// A request that loaded a session must not bring it back after a logout
// elsewhere deleted it.
func TestNoResurrection(t *testing.T) {
	rdb := client(t, redistest.Start(t).Addr)
	st := newStore(t, rdb, redisstore.Config{})
	m := manager(t, st)
	cookie := login(t, m, &session.Session{Issuer: "https://op", Subject: "alice", SID: "s1"})
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", cookie)
	s, err := m.Load(r) // the request in flight
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteBySID(context.Background(), "https://op", "s1"); n != 1 || err != nil {
		t.Fatalf("DeleteBySID: %d %v", n, err)
	}
	s.AccessToken = "refreshed"
	if err := m.Save(httptest.NewRecorder(), r, s); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("Save of a session deleted meanwhile: %v, want ErrNoSession", err)
	}
	if _, err := load(m, cookie); err != session.ErrNoSession {
		t.Errorf("the deleted session came back: %v", err)
	}
}
