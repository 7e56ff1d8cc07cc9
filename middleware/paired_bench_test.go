package middleware_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/session/redisstore/redistest"
)

// paired runs a and b alternately in one loop (a first on even rounds, b
// first on odd) and reports each one's median time per call over batches of
// pairedBatch calls, and the ratio of the medians a/b: both see the same
// machine at the same moments, and the medians drop the batches a
// preemption or a GC landed in, so the ratio holds on a busy or noisy
// machine where two separate benchmarks, or means, would not compare.
func paired(b *testing.B, aName string, a func(), bName string, bf func()) {
	var ta, tb []time.Duration
	var ba, bb time.Duration
	timed := func(f func()) time.Duration {
		t0 := time.Now()
		f()
		return time.Since(t0)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i%2 == 0 {
			ba += timed(a)
			bb += timed(bf)
		} else {
			bb += timed(bf)
			ba += timed(a)
		}
		if i++; i%pairedBatch == 0 {
			ta, tb = append(ta, ba), append(tb, bb)
			ba, bb = 0, 0
		}
	}
	if len(ta) == 0 {
		ta, tb = append(ta, ba), append(tb, bb)
	}
	ma, mb := median(ta), median(tb)
	n := float64(min(i, pairedBatch))
	b.ReportMetric(float64(ma.Nanoseconds())/n, aName+"-ns/op")
	b.ReportMetric(float64(mb.Nanoseconds())/n, bName+"-ns/op")
	b.ReportMetric(float64(ma)/float64(mb), aName+"/"+bName)
}

// pairedBatch is how many calls of each a batch of paired holds.
const pairedBatch = 32

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
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

// BenchmarkRequireRedisPaired is a signed-in request through Require on
// redisstore against a local redis-server, paired with the same request
// served by a handler that does the one GET of the same session data and
// nothing else. The goal: require/get ≤ 1.2.
func BenchmarkRequireRedisPaired(b *testing.B) {
	srv := redistest.Start(b)
	a, _, rdb := redisApp(b, srv.Addr)
	cookie, get := redisGetOnly(b, a, rdb)
	h := a.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	u, _ := url.Parse("http://127.0.0.1/me")
	w := &discardWriter{h: http.Header{}}
	serve := func(h http.Handler) func() {
		return func() {
			r := &http.Request{Method: "GET", URL: u, Host: u.Host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Cookie": {cookie}}}
			clear(w.h)
			w.code = 0
			h.ServeHTTP(w, r.WithContext(context.Background()))
			if w.code != 0 && w.code != 200 {
				b.Fatalf("status %d", w.code)
			}
		}
	}
	paired(b, "require", serve(h), "get", serve(get))
}
