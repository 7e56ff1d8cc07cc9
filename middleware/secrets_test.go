package middleware_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/login"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
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
	a := newApp(t, op, func(c *login.Config) {
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
	bearer, _ := bearer.New(bearer.Config{Verifier: v, Logger: logger})
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
	a.clock.advance(20 * time.Second)   // alice's token is due for refresh
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

// A provider that echoes the client secret in its error_description, in
// any spelling, never gets it into a log line, a page or an error the
// application sees; the description itself is logged (operators need it),
// with the secret replaced, control characters removed and its length
// capped.
func TestAttackProviderEchoesClientSecret(t *testing.T) {
	const secret = "Xk29fQzL7mWp+/ \"<&>%41\\q"
	op := oidctest.NewServer()
	defer op.Close()
	op.AddClient(oidctest.Client{ID: op.ClientID, Secret: secret})
	leaks := secretSpellings(op.ClientID, secret)
	for _, how := range []string{"raw", "url", "form", "basic", "json"} {
		for _, style := range []verify.AuthStyle{verify.ClientSecretBasic, verify.ClientSecretPost} {
			t.Run(fmt.Sprintf("%s/style%d", how, style), func(t *testing.T) {
				logs := &lockedBuffer{}
				logger := slog.New(slog.NewJSONHandler(logs, nil))
				op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{EchoClientSecret: how} })
				a := newApp(t, op, func(c *login.Config) {
					c.ClientSecret, c.AuthStyle, c.Logger, c.ErrorResponder = secret, style, logger, nil
				})
				b := newBrowser(t)
				resp, page := b.get(callbackURL(t, a, "alice", b.startLogin(a, "")), "text/html")
				if resp.StatusCode != http.StatusBadGateway {
					t.Fatalf("callback: %d, want 502", resp.StatusCode)
				}
				client, _ := outbound.New(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: secret, AuthStyle: style})
				_, clientErr := client.Get(op.URL + "/userinfo")
				var pe *verify.ProviderError
				if !errors.As(clientErr, &pe) || pe.Code != "invalid_client" {
					t.Fatalf("NewClient: %v, want a ProviderError invalid_client", clientErr)
				}
				out := logs.String() + page + clientErr.Error()
				for _, leak := range leaks {
					if strings.Contains(out, leak) {
						t.Errorf("the secret, spelled %q, reached a log, page or error:\n%s", leak, out)
					}
				}
				if !strings.Contains(logs.String(), "oidctest refused the client; it received: ") || !strings.Contains(logs.String(), "[redacted]") {
					t.Errorf("the provider's description is not logged, redacted:\n%s", logs.String())
				}
			})
		}
	}
}

// secretSpellings are the ways a secret could show in a log: as itself,
// URL-, form- or JSON-encoded, base64 in a Basic header, and each of these
// JSON-escaped again (the log is JSON), plus its alphanumeric core alone.
func secretSpellings(id, secret string) []string {
	js, _ := json.Marshal(secret)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	enc.Encode(secret)
	forms := []string{secret, url.PathEscape(secret), url.QueryEscape(secret),
		string(js[1 : len(js)-1]), strings.TrimSpace(plain.String())[1 : len(strings.TrimSpace(plain.String()))-1],
		secret[:8]}
	for _, pair := range []string{id + ":" + secret, url.QueryEscape(id) + ":" + url.QueryEscape(secret)} {
		for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			b := e.EncodeToString([]byte(pair))
			forms = append(forms, b[len(b)-16:]) // the part that carries the secret
		}
	}
	for _, f := range slices.Clone(forms) {
		j, _ := json.Marshal(f)
		forms = append(forms, string(j[1:len(j)-1]))
	}
	return forms
}

// The provider's error_description reaches the log cleaned: control
// characters (a forged log line, terminal escapes) removed, capped at 256
// characters, and the cap applied after the redaction, so a secret the cap
// would cut is not left with its head in the log.
func TestProviderDescriptionCleaned(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	logs := &lockedBuffer{}
	a := newApp(t, op, func(c *login.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	desc := "refused\n" + `level=ERROR msg="forged"` + "\x1b[31m " + strings.Repeat("x", 216) + op.ClientSecret + strings.Repeat("y", 1000)
	body, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": desc})
	op.Set(func(b *oidctest.Behavior) { b.TokenStatus, b.TokenBody = 401, string(body) })
	b := newBrowser(t)
	b.get(callbackURL(t, a, "alice", b.startLogin(a, "")), "text/html")
	var pe *verify.ProviderError
	if err := a.lastErr(); !errors.As(err, &pe) {
		t.Fatalf("error %v: want a ProviderError", err)
	}
	switch {
	case strings.ContainsAny(pe.Description, "\n\x1b"):
		t.Errorf("control characters kept: %q", pe.Description)
	case len(pe.Description) > 256:
		t.Errorf("description of %d characters, want at most 256", len(pe.Description))
	case !strings.HasPrefix(pe.Description, `refusedlevel=ERROR msg="forged"[31m xxx`):
		t.Errorf("description %q: want the provider's text", pe.Description)
	}
	if strings.Contains(logs.String(), op.ClientSecret[:4]) || strings.Count(logs.String(), "\n") != 1 {
		t.Errorf("the log holds the secret's head or a forged line:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "refusedlevel=ERROR") {
		t.Errorf("the description is not logged:\n%s", logs.String())
	}
}
