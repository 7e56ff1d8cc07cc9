package session_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/gatehouse-go/gatehouse/session"
)

// realistic is a ~3.4 KB signed-in session (as JSON): ID token ~1 KB,
// access token ~1 KB, refresh token, and the ID token's claims.
func realistic() *session.Session {
	claims := `{"iss":"https://login.example.com","sub":"248289761001","aud":"s6BhdRkqt3","exp":1311281970,` +
		`"iat":1311280970,"auth_time":1311280969,"nonce":"n-0S6_WzA2Mj","name":"Jane Doe","given_name":"Jane",` +
		`"family_name":"Doe","email":"janedoe@example.com","email_verified":true,"locale":"en-US",` +
		`"picture":"https://login.example.com/janedoe/me.jpg","sid":"08a5019c-17e1-4977-8f42-65a12843ea02",` +
		`"groups":["engineering","platform","oncall","admins","readers","writers"]}`
	return &session.Session{
		Issuer: "https://login.example.com", Subject: "248289761001", Provider: "https://login.example.com",
		IDToken: strings.Repeat("i", 1000), AccessToken: strings.Repeat("a", 1000), RefreshToken: strings.Repeat("r", 600),
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), SID: "08a5019c-17e1-4977-8f42-65a12843ea02",
		Claims: []byte(claims), Created: time.Now(), LastSeen: time.Now(),
	}
}

// BenchmarkLoad is Manager.Load of a realistic session from its cookies:
// one securecookie decode and one decode of the session's binary form.
func BenchmarkLoad(b *testing.B) {
	m, _ := newManager(b)
	r := login(b, m, realistic())
	cookies := r.Header.Get("Cookie")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		req.Header.Set("Cookie", cookies)
		if _, err := m.Load(req); err != nil {
			b.Fatal(err)
		}
	}
	js, _ := json.Marshal(realistic())
	b.ReportMetric(float64(len(js)), "session-bytes")
	b.ReportMetric(float64(len(cookies)), "cookie-bytes")
}

// BenchmarkLoadJSONForm is BenchmarkLoad of the same session as an earlier
// version stored it, JSON in the cookie: the cost the binary form removed,
// measured in the same run.
func BenchmarkLoadJSONForm(b *testing.B) {
	m, store := newManager(b)
	s := realistic()
	s.ID = "an-id-of-a-session"
	cookie := session.JSONEraCookie(store, "gatehouse", s, time.Now().Add(time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		req.Header.Set("Cookie", cookie)
		if _, err := m.Load(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave is Manager.Save of the same session.
func BenchmarkSave(b *testing.B) {
	m, _ := newManager(b)
	r := login(b, m, realistic())
	s, _ := m.Load(r)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Save(httptest.NewRecorder(), r, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSecurecookieJSONDecode is the reference: a plain securecookie
// decode of the same data with its JSON serializer.
func BenchmarkSecurecookieJSONDecode(b *testing.B) {
	sc := securecookie.New(hashKey, blockKey).SetSerializer(securecookie.JSONEncoder{}).MaxLength(0)
	enc, err := sc.Encode("gatehouse", realistic())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		req.Header.Set("Cookie", "gatehouse="+enc)
		c, _ := req.Cookie("gatehouse")
		var s session.Session
		if err := sc.Decode("gatehouse", c.Value, &s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorAEADCookie is the floor of reading a cookie session: the
// base64 decode and AES-256-GCM open of a sealed value as large as the
// realistic session's cookies, and nothing else (no store, no framing, no
// session decode). BenchmarkLoad and middleware's BenchmarkRequire are
// judged against it.
func BenchmarkFloorAEADCookie(b *testing.B) {
	m, _ := newManager(b)
	r := login(b, m, realistic())
	size := len(r.Header.Get("Cookie"))
	block, _ := aes.NewCipher(blockKey)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	plainLen := base64.RawURLEncoding.DecodedLen(size) - len(nonce) - aead.Overhead()
	sealed := aead.Seal(nonce, nonce, make([]byte, plainLen), nil)
	enc := base64.RawURLEncoding.EncodeToString(sealed)
	b.ReportAllocs()
	for b.Loop() {
		buf, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := aead.Open(buf[len(nonce):len(nonce)], buf[:len(nonce)], buf[len(nonce):], nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "cookie-bytes")
}
