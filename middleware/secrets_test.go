package middleware_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// lockedBuffer collects log lines from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A run full of failures: every log line and every response body is
// captured, and none holds the client secret, a refresh token, an access
// token or an ID token.
func TestNoSecretsInLogsOrPages(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 30 * time.Second })
	a := newApp(t, op, func(c *middleware.Config) {
		c.Logger = logger
		c.ErrorResponder = nil // the default pages
	})
	var bodies lockedBuffer
	inner := a.srv.Config.Handler
	a.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		bodies.Write(rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if loc := rec.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, op.URL) {
			bodies.Write([]byte(loc))
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	p, err := verify.Discover(t.Context(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, _ := verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p)
	bearer, _ := middleware.NewBearer(middleware.BearerConfig{Verifier: v, Logger: logger})
	api := bearer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	var secrets []string
	b := newBrowser(t)
	b.login(a, "alice")
	s := sessionOf(t, a, b)
	secrets = append(secrets, op.ClientSecret, s.AccessToken, s.RefreshToken, s.IDToken)

	// Failures: a provider that echoes the secret, refused refreshes,
	// revocation down at logout, bad bearer tokens.
	op.Set(func(bh *oidctest.Behavior) {
		bh.TokenStatus = 400
		bh.TokenBody = `{"error":"invalid_client","error_description":"bad secret ` + op.ClientSecret + `"}`
	})
	b2 := newBrowser(t)
	b2.login(a, "bob")
	b.get(a.srv.URL+"/me", "text/html") // refresh refused: session ends
	op.Set(func(bh *oidctest.Behavior) { *bh = oidctest.Behavior{RevocationStatus: 500} })
	b3 := newBrowser(t)
	b3.login(a, "carol")
	s3 := sessionOf(t, a, b3)
	secrets = append(secrets, s3.AccessToken, s3.RefreshToken, s3.IDToken)
	req, _ := http.NewRequest("POST", a.srv.URL+"/logout", nil)
	b3.do(req)
	for _, tok := range []string{s.AccessToken, s.IDToken, s3.AccessToken + "x", "garbage"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		api.ServeHTTP(w, r)
		bodies.Write(w.Body.Bytes())
		bodies.Write([]byte(w.Header().Get("WWW-Authenticate")))
	}

	all := logs.String() + bodies.String()
	if !strings.Contains(logs.String(), "[redacted]") {
		t.Error("the echoed secret did not reach the redaction")
	}
	if !strings.Contains(logs.String(), "refresh refused") || !strings.Contains(logs.String(), "bearer: request refused") {
		t.Fatalf("the run did not log its failures:\n%s", logs.String())
	}
	for _, sec := range secrets {
		if sec == "" {
			t.Fatal("a secret of the run is empty")
		}
		if strings.Contains(all, sec) {
			t.Errorf("a secret (%.12s…) appears in the logs or pages", sec)
		}
	}
}
