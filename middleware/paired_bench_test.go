package middleware_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// paired runs a and b alternately in one loop (a first on even rounds, b
// first on odd) and reports each one's mean and their ratio a/b: both see
// the same machine at the same moments, so the ratio holds on a busy or
// noisy machine where two separate benchmarks would not compare.
func paired(b *testing.B, aName string, a func(), bName string, bf func()) {
	var ta, tb time.Duration
	timed := func(f func()) time.Duration {
		t0 := time.Now()
		f()
		return time.Since(t0)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i%2 == 0 {
			ta += timed(a)
			tb += timed(bf)
		} else {
			tb += timed(bf)
			ta += timed(a)
		}
		i++
	}
	b.ReportMetric(float64(ta.Nanoseconds())/float64(i), aName+"-ns/op")
	b.ReportMetric(float64(tb.Nanoseconds())/float64(i), bName+"-ns/op")
	b.ReportMetric(float64(ta)/float64(tb), aName+"/"+bName)
}

// discardWriter is an http.ResponseWriter that keeps only the status and
// headers.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// BenchmarkRequirePaired is a signed-in request through Require with an
// unchanged cookie session, paired with the floor of reading any sealed
// cookie of the same size: its base64 decode and AES-256-GCM open, and
// nothing else. The goal: require/floor ≤ 2.5.
func BenchmarkRequirePaired(b *testing.B) {
	a := newApp(b, nil)
	br := newBrowser(b)
	br.login(a, "alice")
	cookie := cookieHeader(a, br)
	h := a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	n := aead.NonceSize()
	size := base64.RawURLEncoding.DecodedLen(len(cookie))
	sealed := aead.Seal(make([]byte, n), make([]byte, n), make([]byte, size-n-aead.Overhead()), nil)
	enc := base64.RawURLEncoding.EncodeToString(sealed)
	// What the handler is given by net/http: a parsed request (built here
	// without httptest's parser, whose cost is not Require's) and a writer.
	u, _ := url.Parse("http://127.0.0.1/me")
	w := &discardWriter{h: http.Header{}}
	paired(b, "require", func() {
		r := &http.Request{Method: "GET", URL: u, Host: u.Host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Cookie": {cookie}}}
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r.WithContext(context.Background()))
		if w.code != 0 && w.code != 200 || len(w.h["Set-Cookie"]) != 0 {
			b.Fatalf("status %d, Set-Cookie %q", w.code, w.h["Set-Cookie"])
		}
	}, "floor", func() {
		buf, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := aead.Open(buf[n:n], buf[:n], buf[n:], nil); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(cookie)), "cookie-bytes")
}
