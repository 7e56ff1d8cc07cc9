package middleware_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// m2mAPI is a Bearer-protected API that accepts the provider's tokens, can
// be told to reject one token (revoked) or every token, and counts calls.
type m2mAPI struct {
	srv       *httptest.Server
	calls     atomic.Int64
	revoked   atomic.Pointer[string]
	rejectAll atomic.Bool
	auds      sync.Map
	tokens    sync.Map // access tokens seen
}

func newM2MAPI(t testing.TB, op *oidctest.Server) *m2mAPI {
	t.Helper()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v, err := verify.NewVerifier(verify.Config{InsecureSkipAudience: true}, p)
	if err != nil {
		t.Fatal(err)
	}
	api := &m2mAPI{}
	inner := bearer.Protect(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		for _, a := range tok.Audience {
			api.auds.Store(a, true)
		}
		body, _ := io.ReadAll(r.Body)
		w.Write(append([]byte("ok "), body...))
	}))
	api.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.calls.Add(1)
		raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		api.tokens.Store(raw, true)
		if p := api.revoked.Load(); api.rejectAll.Load() || (p != nil && raw == *p) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(401)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(api.srv.Close)
	return api
}

func (a *m2mAPI) distinctTokens() int {
	n := 0
	a.tokens.Range(func(any, any) bool { n++; return true })
	return n
}

// ccGet calls url with c and returns the status and body; a transport error
// fails the test.
func ccGet(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ccBurst makes n concurrent calls to url with c; each must answer 200.
func ccBurst(t testing.TB, c *http.Client, url string, n int, what string) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := c.Get(url)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: the API answered %d", what, resp.StatusCode)
			}
		})
	}
	wg.Wait()
}

func ccConfig(op *oidctest.Server) outbound.Config {
	return outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret}
}

// bubbleConfig is ccConfig for a client built inside a synctest bubble.
func bubbleConfig(op *oidctest.Server) outbound.Config { return inBubble(ccConfig(op)) }

// inBubble makes c's token requests and API calls use no keep-alive, so no
// connection, and no goroutine reading one, outlives a synctest bubble.
func inBubble(c outbound.Config) outbound.Config {
	c.HTTPClient = &http.Client{Transport: bubbleTransport()}
	c.Base = bubbleTransport()
	return c
}

// bubbleTransport carries requests made inside a synctest bubble to servers
// outside it: without keep-alive, nothing it starts outlives the request.
func bubbleTransport() *http.Transport { return &http.Transport{DisableKeepAlives: true} }

func newTransport(t testing.TB, c outbound.Config) *outbound.Transport {
	t.Helper()
	tr, err := outbound.NewTransport(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestClientConfigValidation(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ok := ccConfig(op)
	rows := []struct {
		name string
		edit func(*outbound.Config)
		ok   bool
	}{
		{"TokenURL", func(*outbound.Config) {}, true},
		{"Provider", func(c *outbound.Config) { c.TokenURL, c.Provider = "", p }, true},
		{"no endpoint", func(c *outbound.Config) { c.TokenURL = "" }, false},
		{"http off loopback", func(c *outbound.Config) { c.TokenURL = "http://idp.example/token" }, false},
		{"relative URL", func(c *outbound.Config) { c.TokenURL = "/token" }, false},
		{"credentials in the URL", func(c *outbound.Config) { c.TokenURL = "https://u:" + op.ClientSecret + "@idp.example/token" }, false},
		{"no client ID", func(c *outbound.Config) { c.ClientID = "" }, false},
		{"no secret", func(c *outbound.Config) { c.ClientSecret = "" }, false},
		{"unknown auth style", func(c *outbound.Config) { c.AuthStyle = 7 }, false},
	}
	for _, tc := range rows {
		c := ok
		tc.edit(&c)
		_, err := outbound.New(c)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), op.ClientSecret) {
			t.Errorf("%s: the error holds the secret: %v", tc.name, err)
		}
	}
	// Through the Provider's metadata, end to end.
	c := ok
	c.TokenURL, c.Provider = "", p
	tr := newTransport(t, c)
	if tok, err := tr.Token(context.Background()); err != nil || tok == "" {
		t.Errorf("token through Provider: %v", err)
	}
}

func TestClientSingleFlightAndRenewal(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op)
		cfg.ExpiryMargin = time.Second
		c, err := outbound.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		burst := func() { ccBurst(t, c, api.srv.URL, 100, "burst") }
		burst()
		if n := op.Count("token:client_credentials"); n != 1 {
			t.Errorf("100 concurrent calls made %d token requests, want 1", n)
		}
		time.Sleep(2100 * time.Millisecond) // synctest's clock: past the 2 s token's expiry, every call waits for one renewal
		burst()
		if n := op.Count("token:client_credentials"); n != 2 {
			t.Errorf("after expiry: %d token requests in all, want 2", n)
		}
		if n := api.calls.Load(); n != 200 {
			t.Errorf("%d API calls, want 200", n)
		}
		if n := api.distinctTokens(); n != 2 {
			t.Errorf("the API saw %d tokens, want 2", n)
		}
	})
}

func TestClientRetriesOnceOn401(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()

	t.Run("replayable body", func(t *testing.T) {
		op.ResetCounts()
		api := newM2MAPI(t, op)
		tr := newTransport(t, ccConfig(op))
		first, _ := tr.Token(context.Background())
		api.revoked.Store(&first)
		req, _ := http.NewRequest("POST", api.srv.URL, strings.NewReader("payload"))
		req.Header.Set("Content-Type", "text/plain")
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok payload" {
			t.Errorf("after a 401: %d %q", resp.StatusCode, body)
		}
		if n := op.Count("token:client_credentials"); n != 2 {
			t.Errorf("%d token requests, want 2 (one new token)", n)
		}
		if n := api.calls.Load(); n != 2 {
			t.Errorf("%d API calls, want 2 (one retry)", n)
		}
		if h := req.Header.Get("Authorization"); h != "" {
			t.Errorf("the caller's request was changed: Authorization %q", h)
		}
	})

	t.Run("body not replayable", func(t *testing.T) {
		op.ResetCounts()
		api := newM2MAPI(t, op)
		tr := newTransport(t, ccConfig(op))
		c := &http.Client{Transport: tr}
		first, _ := tr.Token(context.Background())
		api.revoked.Store(&first)
		req, _ := http.NewRequest("POST", api.srv.URL, io.NopCloser(strings.NewReader("once")))
		req.GetBody = nil
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || api.calls.Load() != 1 {
			t.Errorf("non-replayable body after a 401: %d after %d calls, want the 401 after 1", resp.StatusCode, api.calls.Load())
		}
		// The refused token was dropped: the next call gets a new one.
		if code, _ := ccGet(t, c, api.srv.URL); code != 200 {
			t.Errorf("the call after the 401: %d", code)
		}
		if n := op.Count("token:client_credentials"); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
	})
}

// An API that refuses every token (a wrong audience, say) gets one retry,
// and costs the provider at most one token request per second, not one per
// call.
func TestClientRefusingAPIDoesNotFloodTheProvider(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	api.rejectAll.Store(true)
	c, _ := outbound.New(ccConfig(op))
	for range 50 {
		if code, _ := ccGet(t, c, api.srv.URL); code != 401 {
			t.Fatalf("refusing API: %d", code)
		}
	}
	if n, calls := op.Count("token:client_credentials"), api.calls.Load(); n != 2 || calls != 51 {
		t.Errorf("50 refused calls: %d token requests and %d API calls, want 2 and 51 (one retry)", n, calls)
	}
}

// tokenTap is a reverse proxy in front of the provider's token endpoint that
// records what the client sends.
type tokenTap struct {
	srv  *httptest.Server
	mu   sync.Mutex
	auth []string
	form []url.Values
}

func newTokenTap(t *testing.T, op *oidctest.Server) *tokenTap {
	target, _ := url.Parse(op.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	tap := &tokenTap{}
	tap.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		tap.mu.Lock()
		tap.auth = append(tap.auth, r.Header.Get("Authorization"))
		tap.form = append(tap.form, form)
		tap.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(tap.srv.Close)
	return tap
}

func TestClientAuthStyles(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	const id, secret = "svc:reports", "p@ss w%rd+/=:é"
	op.AddClient(oidctest.Client{ID: id, Secret: secret})
	api := newM2MAPI(t, op)
	tap := newTokenTap(t, op)
	cfg := outbound.Config{TokenURL: tap.srv.URL + "/token", ClientID: id, ClientSecret: secret}

	// Basic: each part form-url-encoded before base64 (RFC 6749 §2.3.1).
	if code, _ := ccGet(t, ccMust(outbound.New(cfg)), api.srv.URL); code != 200 {
		t.Fatalf("client_secret_basic: %d", code)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	if tap.auth[0] != want || tap.form[0].Has("client_secret") {
		t.Errorf("client_secret_basic sent Authorization %q and form %v; want %q and no secret in the form", tap.auth[0], tap.form[0], want)
	}

	cfg.AuthStyle = verify.ClientSecretPost
	if code, _ := ccGet(t, ccMust(outbound.New(cfg)), api.srv.URL); code != 200 {
		t.Fatalf("client_secret_post: %d", code)
	}
	if tap.auth[1] != "" || tap.form[1].Get("client_id") != id || tap.form[1].Get("client_secret") != secret {
		t.Errorf("client_secret_post sent Authorization %q and form %v", tap.auth[1], tap.form[1])
	}

	// A refused style is not retried with the other (no auto-detection).
	for _, style := range []verify.AuthStyle{verify.ClientSecretBasic, verify.ClientSecretPost} {
		bad := cfg
		bad.AuthStyle, bad.ClientSecret = style, "wrong"
		_, err := ccMust(outbound.New(bad)).Get(api.srv.URL)
		var pe *verify.ProviderError
		if !errors.As(err, &pe) || pe.Code != "invalid_client" || pe.Status != 401 {
			t.Errorf("style %d, wrong secret: %v, want ProviderError 401 invalid_client", style, err)
		}
	}
	if len(tap.auth) != 4 {
		t.Errorf("%d token requests, want 4: a refused style was retried another way", len(tap.auth))
	}
}

// audience and RFC 8707 resource reach the provider, which puts them in the
// access token's aud, as the API's verifier decodes it.
func TestClientAudienceAndResource(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	for param, aud := range map[string]string{"audience": "https://a.example", "resource": "https://r.example"} {
		cfg := ccConfig(op)
		cfg.Scopes, cfg.EndpointParams = []string{"read"}, url.Values{param: {aud}}
		tr := newTransport(t, cfg)
		if code, _ := ccGet(t, &http.Client{Transport: tr}, api.srv.URL); code != 200 {
			t.Errorf("%s: %d", param, code)
		}
		if _, ok := api.auds.Load(aud); !ok {
			t.Errorf("%s=%s did not reach the token's aud", param, aud)
		}
		tok, _ := tr.Token(context.Background())
		if claims := ccClaims(t, tok); claims["aud"] != aud && !audHas(claims["aud"], aud) {
			t.Errorf("%s: aud %v", param, claims["aud"])
		}
	}
}

func ccClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func audHas(v any, s string) bool {
	l, _ := v.([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func ccMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Token responses as real providers send them, and broken ones. Accepted
// quirks must also keep their lifetime: a token is reused, then renewed
// when the stated (or default) lifetime minus the margin ends (on
// synctest's clock).
func TestClientTokenResponseQuirks(t *testing.T) {
	big := `{"access_token":"` + strings.Repeat("x", 5<<20) + `","token_type":"Bearer"}`
	const secret = "s3cr3t-value-for-the-echo-test"
	rows := []struct {
		name    string
		set     func(*oidctest.Behavior)
		deflife time.Duration
		renew   time.Duration // accepted: renewed after this long
		status  int           // refused: the ProviderError's status, 0 for a plain ErrProvider
		code    string
	}{
		{name: "expires_in as a string", set: func(b *oidctest.Behavior) { b.ExpiresInAsString = true }, renew: 750 * time.Millisecond},
		{name: "no expires_in", set: func(b *oidctest.Behavior) { b.OmitExpiresIn = true }, deflife: 1500 * time.Millisecond, renew: 750 * time.Millisecond},
		{name: "lowercase bearer", set: func(b *oidctest.Behavior) { b.LowercaseTokenType = true }, renew: 750 * time.Millisecond},
		{name: "form-encoded", set: func(b *oidctest.Behavior) { b.FormEncodedTokenResponse = true }, renew: 750 * time.Millisecond},
		{name: "200 with an error field", set: func(b *oidctest.Behavior) {
			b.TokenBody = `{"error":"invalid_scope","error_description":"scope reports:write is not allowed"}`
		}, status: 200, code: "invalid_scope"},
		{name: "HTML error page", set: func(b *oidctest.Behavior) {
			b.TokenBody, b.TokenContentType, b.TokenStatus = "<html>Bad Gateway</html>", "text/html", 502
		}, status: 502},
		{name: "HTML at 200", set: func(b *oidctest.Behavior) { b.TokenBody, b.TokenContentType = "<html>login</html>", "text/html" }},
		{name: "5 MB body", set: func(b *oidctest.Behavior) { b.TokenBody = big }},
		{name: "no access_token", set: func(b *oidctest.Behavior) { b.TokenBody = `{"token_type":"Bearer","expires_in":60}` }},
		{name: "not a bearer token", set: func(b *oidctest.Behavior) { b.TokenBody = `{"access_token":"x","token_type":"DPoP","expires_in":60}` }},
		{name: "401 refusal", set: func(b *oidctest.Behavior) { b.TokenStatus = 401 }, status: 401, code: "invalid_grant"},
		{name: "provider echoes the secret", set: func(b *oidctest.Behavior) {
			b.TokenStatus, b.TokenBody = 401, `{"error":"invalid_client","error_description":"client secret `+secret+` is wrong"}`
		}, status: 401, code: "invalid_client"},
		{name: "10 KB description with control characters", set: func(b *oidctest.Behavior) {
			b.TokenStatus, b.TokenBody = 400, `{"error":"invalid_request","error_description":"`+strings.Repeat(`a\u001b[31m\n`, 1000)+`"}`
		}, status: 400, code: "invalid_request"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := oidctest.NewServer()
			defer op.Close()
			op.AddClient(oidctest.Client{ID: "svc", Secret: secret})
			api := newM2MAPI(t, op)
			op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 1500 * time.Millisecond })
			op.Set(tc.set)
			synctest.Test(t, func(t *testing.T) {
				tr := newTransport(t, inBubble(outbound.Config{TokenURL: op.URL + "/token", ClientID: "svc",
					ClientSecret: secret, DefaultLifetime: tc.deflife}))
				resp, err := (&http.Client{Transport: tr}).Get(api.srv.URL)
				if tc.renew > 0 {
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Fatalf("API: %d", resp.StatusCode)
					}
					tr.Token(context.Background())
					if n := op.Count("token:client_credentials"); n != 1 {
						t.Errorf("the token was not reused: %d token requests", n)
					}
					time.Sleep(tc.renew + 150*time.Millisecond)
					tr.Token(context.Background())
					synctest.Wait() // the renewal runs in the background
					if n := op.Count("token:client_credentials"); n != 2 {
						t.Errorf("not renewed after %v: %d token requests", tc.renew, n)
					}
					return
				}
				if err == nil {
					resp.Body.Close()
					t.Fatalf("accepted: %d", resp.StatusCode)
				}
				if !errors.Is(err, verify.ErrProvider) {
					t.Errorf("error %v: want ErrProvider", err)
				}
				var pe *verify.ProviderError
				isPE := errors.As(err, &pe)
				switch {
				case tc.status == 0 && isPE:
					t.Errorf("error %v: want a plain ErrProvider", err)
				case tc.status != 0 && (!isPE || pe.Status != tc.status || pe.Code != tc.code):
					t.Errorf("error %v: want ProviderError %d %q", err, tc.status, tc.code)
				}
				msg := err.Error()
				for _, leak := range []string{secret, url.QueryEscape(secret), "xxxxxxxx", "<html>", "login", "\x1b", "\n"} {
					if strings.Contains(msg, leak) {
						t.Errorf("the error holds %q: %.300s", leak, msg)
					}
				}
				if len(msg) > 600 {
					t.Errorf("the error is %d bytes long", len(msg))
				}
				if api.calls.Load() != 0 {
					t.Error("the API was called without a token")
				}
			})
		})
	}
}

// One caller giving up does not break the renewal the others wait for,
// even when it is the caller that started it. The token request is held at
// a gate until the test opens it, so "while the fetch is in flight" is an
// event, not a guess about timing.
func TestClientCallerCancellation(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op)
		started, open := make(chan struct{}, 1), make(chan struct{})
		cfg.HTTPClient.Transport = gate{started, open, cfg.HTTPClient.Transport}
		tr := newTransport(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := tr.Token(ctx); errc <- err }()
		<-started // the cancelled caller starts the fetch
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if tok, err := tr.Token(context.Background()); err != nil || tok == "" {
					t.Errorf("another caller: %v", err)
				}
			})
		}
		synctest.Wait() // the ten wait on the fetch
		cancel()
		synctest.Wait()
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled caller: %v", err)
			}
		default:
			t.Error("the cancelled caller waits for the fetch")
		}
		close(open)
		wg.Wait()
		if n := op.Count("token:client_credentials"); n != 1 {
			t.Errorf("%d token requests, want the one shared", n)
		}
		if len(started) != 0 {
			t.Error("a second fetch started")
		}
		// A caller whose ctx is already done starts no fetch.
		tr2 := newTransport(t, bubbleConfig(op))
		if _, err := tr2.Token(ctx); !errors.Is(err, context.Canceled) || op.Count("token:client_credentials") != 1 {
			t.Errorf("done ctx: %v, %d token requests", err, op.Count("token:client_credentials"))
		}
	})
}

// gate is a RoundTripper that reports each request on started and holds it
// until open is closed.
type gate struct {
	started chan<- struct{}
	open    <-chan struct{}
	next    http.RoundTripper
}

func (g gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.started <- struct{}{}
	<-g.open
	return g.next.RoundTrip(r)
}

type ctxKey struct{}

// valueTap records the ctxKey value of each token request's context.
type valueTap struct {
	mu   sync.Mutex
	seen []any
	next http.RoundTripper
}

func (v *valueTap) RoundTrip(r *http.Request) (*http.Response, error) {
	v.mu.Lock()
	v.seen = append(v.seen, r.Context().Value(ctxKey{}))
	v.mu.Unlock()
	return v.next.RoundTrip(r)
}

// The token request runs on the context of the API request that needs it
// (its values reach the token client); a context of an earlier request,
// cancelled since, plays no part in later renewals (x/oauth2's TokenSource
// keeps the ctx it was built with).
func TestClientTokenRequestUsesTheRequestContext(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	synctest.Test(t, func(t *testing.T) {
		tap := &valueTap{next: bubbleTransport()}
		cfg := bubbleConfig(op)
		cfg.ExpiryMargin, cfg.HTTPClient = time.Second, &http.Client{Transport: tap}
		c := ccMust(outbound.New(cfg))
		call := func(v string) (*http.Response, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, v))
			req, _ := http.NewRequestWithContext(ctx, "GET", api.srv.URL, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("call %s: %v", v, err)
			}
			resp.Body.Close()
			return resp, cancel
		}
		resp, cancel := call("first")
		cancel()
		time.Sleep(1100 * time.Millisecond) // synctest's clock: renewal due
		resp2, cancel2 := call("second")
		defer cancel2()
		synctest.Wait() // the renewal runs in the background
		tap.mu.Lock()
		defer tap.mu.Unlock()
		if resp.StatusCode != 200 || resp2.StatusCode != 200 {
			t.Errorf("calls: %d, %d", resp.StatusCode, resp2.StatusCode)
		}
		if len(tap.seen) != 2 || tap.seen[0] != "first" || tap.seen[1] != "second" {
			t.Errorf("token requests ran on contexts %v, want [first second]", tap.seen)
		}
	})
}

// After a burst, a renewal and a cancelled caller, with idle connections
// closed, no goroutine of the client is left. The client runs in a synctest
// bubble, with keep-alive transports: synctest.Test returns only once every
// goroutine started in the bubble has exited, and fails the test when one is
// left blocked, so the bubble's end is the leak check, exact and without a
// wait.
func TestClientNoGoroutineLeak(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer api.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	synctest.Test(t, func(t *testing.T) {
		base, tokHTTP := &http.Transport{}, &http.Client{Transport: &http.Transport{}}
		cfg := ccConfig(op)
		cfg.ExpiryMargin, cfg.Base, cfg.HTTPClient = 1900*time.Millisecond, base, tokHTTP
		c := ccMust(outbound.New(cfg))
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() { ccGet(t, c, api.URL) })
		}
		wg.Wait()
		// synctest's clock stands still while a goroutine of the bubble
		// reads a connection: idle ones are closed before it moves on.
		c.CloseIdleConnections()
		tokHTTP.CloseIdleConnections()
		time.Sleep(2100 * time.Millisecond) // expired: the next call waits for the renewal
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", api.URL, nil)
		if _, err := c.Do(req); err == nil {
			t.Error("a cancelled request succeeded")
		}
		ccGet(t, c, api.URL)
		c.CloseIdleConnections()
		tokHTTP.CloseIdleConnections()
	})
}

// The documented defaults, on synctest's clock: renewal 30 s before expiry,
// and 5 minutes of life for a token answered without expires_in.
func TestClientDefaults(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	count := func() int { return op.Count("token:client_credentials") }
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op)

		op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = time.Hour })
		tr := newTransport(t, cfg)
		tr.Token(context.Background())
		tr.Token(context.Background())
		if n := count(); n != 1 {
			t.Fatalf("a fresh token was not reused: %d requests", n)
		}
		time.Sleep(time.Hour - 31*time.Second)
		if tr.Token(context.Background()); count() != 1 {
			t.Errorf("31 s before expiry: renewed already")
		}
		time.Sleep(2 * time.Second)
		tr.Token(context.Background())
		if synctest.Wait(); count() != 2 { // the renewal runs in the background
			t.Errorf("29 s before expiry: not renewed")
		}

		op.Set(func(b *oidctest.Behavior) { b.OmitExpiresIn = true })
		tr = newTransport(t, cfg)
		tr.Token(context.Background())
		time.Sleep(5*time.Minute - 31*time.Second)
		if tr.Token(context.Background()); count() != 3 {
			t.Errorf("no expires_in, 31 s before 5 min: renewed already")
		}
		time.Sleep(2 * time.Second)
		tr.Token(context.Background())
		if synctest.Wait(); count() != 4 {
			t.Errorf("no expires_in, 29 s before 5 min: not renewed")
		}
	})
}

// A token shorter-lived than twice the margin is still reused: the margin
// is capped at half its lifetime.
func TestClientShortTokensAreReused(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 10 * time.Second })
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op) // margin 30 s
		tr := newTransport(t, cfg)
		for range 20 {
			tr.Token(context.Background())
		}
		time.Sleep(4900 * time.Millisecond)
		tr.Token(context.Background())
		if n := op.Count("token:client_credentials"); n != 1 {
			t.Errorf("a 10 s token under a 30 s margin: %d token requests in 5 s, want 1", n)
		}
		time.Sleep(200 * time.Millisecond)
		tr.Token(context.Background())
		synctest.Wait() // the renewal runs in the background
		if n := op.Count("token:client_credentials"); n != 2 {
			t.Errorf("after half its life: %d token requests, want 2", n)
		}
	})
}

// A refresh-token client on a rotating provider with reuse detection: three
// rounds of 50 concurrent calls, each round past the access token's renewal
// point (renewals 1 and 2 run in the background).
// Every rotated refresh token is handed to OnRotate before any call uses the
// access token that came with it, none is presented twice (the grant stays
// alive), and the last one persisted works after a restart.
func TestRefreshClientRotation(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	rt := provisionRefreshToken(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	type rotation struct {
		token     string
		apiTokens int // access tokens the API had seen
	}
	var mu sync.Mutex
	var saved []rotation
	onRotate := func(_ context.Context, n string) error {
		mu.Lock()
		defer mu.Unlock()
		saved = append(saved, rotation{n, api.distinctTokens()})
		return nil
	}
	synctest.Test(t, func(t *testing.T) {
		c, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
			ClientSecret: op.ClientSecret, ExpiryMargin: time.Second,
			HTTPClient: &http.Client{Transport: bubbleTransport()}, Base: bubbleTransport()}, rt, onRotate)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			ccBurst(t, c, api.srv.URL, 50, fmt.Sprint("round ", round))
			time.Sleep(1100 * time.Millisecond) // synctest's clock: inside the 1 s margin
		}
		if n := op.Count("token:refresh_token"); n != 3 {
			t.Errorf("%d refreshes for 3 rounds, want 3", n)
		}
		mu.Lock()
		rotations := saved
		mu.Unlock()
		if len(rotations) != 3 {
			t.Fatalf("OnRotate saw %d tokens, want 3", len(rotations))
		}
		for i, r := range rotations {
			// Renewals 1 and 2 run in the background while the round's
			// calls use the previous token, so when rotation i is
			// persisted the API has seen the i earlier access tokens, or
			// fewer when the calls using the latest one have not reached
			// it yet (they race the renewal): never the one this rotation
			// brought, which would be i+1.
			if r.token == rt || r.apiTokens > i || r.apiTokens < i-1 {
				t.Errorf("rotation %d: the API had seen %d access tokens, want %d or %d (never the one it came with)", i, r.apiTokens, max(0, i-1), i)
			}
		}
		// A restart from the last persisted token: the grant was never revoked.
		c2, _ := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
			ClientSecret: op.ClientSecret,
			HTTPClient:   &http.Client{Transport: bubbleTransport()}, Base: bubbleTransport()}, rotations[2].token, onRotate)
		if code, _ := ccGet(t, c2, api.srv.URL); code != 200 {
			t.Errorf("after a restart from the persisted refresh token: %d (reuse detection revoked the grant?)", code)
		}
	})
}

// OnRotate failing: the error comes back, the new access token is not used;
// once persisting works again and the 1 s back-off has passed, the next call
// succeeds with the rotated token kept in memory, without tripping reuse
// detection.
func TestRefreshClientOnRotateFailure(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	rt := provisionRefreshToken(t, op)
	var fail atomic.Bool
	fail.Store(true)
	var saved atomic.Pointer[string]
	synctest.Test(t, func(t *testing.T) {
		c, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
			ClientSecret: op.ClientSecret, HTTPClient: &http.Client{Transport: bubbleTransport()},
			Base: bubbleTransport()}, rt, func(_ context.Context, n string) error {
			if fail.Load() {
				return errors.New("disk full")
			}
			saved.Store(&n)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get(api.srv.URL)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("OnRotate failing: %v", err)
		}
		if strings.Contains(err.Error(), op.ClientSecret) || strings.Contains(err.Error(), rt) {
			t.Errorf("the error holds a secret: %v", err)
		}
		if n := api.calls.Load(); n != 0 {
			t.Errorf("%d API calls with a token whose refresh token was not persisted", n)
		}
		fail.Store(false)
		// Within the back-off after a failure the provider is not asked again.
		if _, err := c.Get(api.srv.URL); err == nil || !strings.Contains(err.Error(), "next token request in") {
			t.Errorf("right after the failure: %v, want the back-off error", err)
		}
		if n := op.Count("token:refresh_token"); n != 1 {
			t.Errorf("%d refreshes during the back-off, want 1", n)
		}
		time.Sleep(1100 * time.Millisecond) // synctest's clock: past the 1 s back-off
		if code, _ := ccGet(t, c, api.srv.URL); code != 200 || saved.Load() == nil {
			t.Errorf("after OnRotate recovered: %d", code)
		}
		if n := op.Count("token:refresh_token"); n != 2 {
			t.Errorf("%d refreshes, want 2", n)
		}
	})
}

// A refused refresh token is a ProviderError without the token or secret.
func TestRefreshClientRefused(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	const rt = "not-a-refresh-token-of-this-provider"
	c, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret}, rt, func(context.Context, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(op.URL)
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		t.Errorf("unknown refresh token: %v, want ProviderError invalid_grant", err)
	}
	if err != nil && (strings.Contains(err.Error(), rt) || strings.Contains(err.Error(), op.ClientSecret)) {
		t.Errorf("the error holds a secret: %v", err)
	}
	if _, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret}, rt, nil); err == nil {
		t.Error("a refresh client without OnRotate was accepted")
	}
	for name, c := range map[string]outbound.Config{
		"Scopes":         {TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret, Scopes: []string{"read"}},
		"EndpointParams": {TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret, EndpointParams: url.Values{"resource": {"x"}}},
		"DPoPKey":        {TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret, DPoPKey: dpopTestKey(t)},
		"ClientID":       {TokenURL: op.URL + "/token", ClientSecret: op.ClientSecret},
		"https":          {TokenURL: "http://op.example/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret},
	} {
		if _, err := outbound.NewRefresh(c, rt, func(context.Context, string) error { return nil }); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a refresh client with %s (which a refresh does not send): %v", name, err)
		}
	}
	if _, err := outbound.NewRefresh(outbound.Config{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret},
		"", func(context.Context, string) error { return nil }); err == nil || !strings.Contains(err.Error(), "refresh token") {
		t.Errorf("a refresh client without a refresh token: %v", err)
	}
}

// provisionRefreshToken does what an administrator does once: a code flow
// whose refresh token is handed to the app.
func provisionRefreshToken(t *testing.T, op *oidctest.Server) string {
	t.Helper()
	verifier := strings.Repeat("v", 43)
	back, err := op.Login("svc-admin", op.URL+"/authorize?"+url.Values{"response_type": {"code"}, "client_id": {op.ClientID},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "scope": {"offline_access"}, "state": {"s"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:1/cb"}, "code_verifier": {verifier}}
	req, _ := http.NewRequest("POST", op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(op.ClientID, op.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token provisioned")
	}
	return tok.RefreshToken
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// A renewal ahead of expiry that fails leaves the current token in use until
// it expires; after that the failure comes back, a ProviderError, and the
// provider is asked again only after the back-off. Once the provider is back,
// a new token arrives and the back-off is forgotten.
func TestClientRenewalFailureKeepsValidToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	count := func() int { return op.Count("token:client_credentials") }
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = time.Hour })
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op)
		tr := newTransport(t, cfg)
		first, err := tr.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 29*time.Second) // inside the 30 s margin
		op.Set(func(b *oidctest.Behavior) { b.TokenStatus = 500 })
		for i, want := range []int{2, 2} {
			if tok, err := tr.Token(context.Background()); err != nil || tok != first {
				t.Fatalf("call %d, renewal failing before expiry: %v (same token: %t)", i, err, tok == first)
			}
			synctest.Wait() // the renewal runs in the background
			if n := count(); n != want {
				t.Errorf("call %d: %d token requests, want %d", i, n, want)
			}
		}
		time.Sleep(time.Second)
		tok, err := tr.Token(context.Background())
		if synctest.Wait(); err != nil || tok != first || count() != 3 {
			t.Fatalf("after the 1 s back-off: %v, %d token requests, want the old token and 3", err, count())
		}
		time.Sleep(30 * time.Second) // past expiry, past the 2 s back-off
		_, err = tr.Token(context.Background())
		var pe *verify.ProviderError
		if !errors.As(err, &pe) || pe.Status != 500 || count() != 4 {
			t.Fatalf("expired, provider down: %v, %d token requests; want a 500 ProviderError and 4", err, count())
		}
		_, err = tr.Token(context.Background())
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "next token request in 4s") || count() != 4 {
			t.Fatalf("inside the 4 s back-off: %v, %d token requests", err, count())
		}
		op.Set(func(b *oidctest.Behavior) { b.TokenStatus = 0 })
		time.Sleep(4 * time.Second)
		tok, err = tr.Token(context.Background())
		if err != nil || tok == first || count() != 5 {
			t.Fatalf("provider back: %v, %d token requests (new token: %t)", err, count(), tok != first)
		}
		// The back-off was forgotten: the next failure waits 1 s again.
		tr2 := newTransport(t, cfg)
		op.Set(func(b *oidctest.Behavior) { b.TokenStatus = 503 })
		tr2.Token(context.Background())
		time.Sleep(time.Second)
		tr2.Token(context.Background())
		if n := count(); n != 7 {
			t.Errorf("a new client's retry after 1 s: %d token requests, want 7", n)
		}
	})
}

// While the provider stays down, token requests are spaced 1, 2, 4, 8, 16 s
// and then every 30 s, however often the API is called: over 91 s of calls
// every 100 ms, 8 requests reach the provider.
func TestClientBackoffWhileProviderDown(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.TokenStatus = 503 })
	synctest.Test(t, func(t *testing.T) {
		cfg := bubbleConfig(op)
		tr := newTransport(t, cfg)
		var at []time.Duration
		start := time.Now()
		for time.Since(start) <= 91*time.Second {
			before := op.Count("token:client_credentials")
			if _, err := tr.Token(context.Background()); !errors.Is(err, verify.ErrProvider) {
				t.Fatalf("provider down: %v, want ErrProvider", err)
			}
			if op.Count("token:client_credentials") != before {
				at = append(at, time.Since(start))
			}
			time.Sleep(100 * time.Millisecond)
		}
		want := []time.Duration{0, 1, 3, 7, 15, 31, 61, 91}
		if len(at) != len(want) {
			t.Fatalf("token requests at %v, want at %v s", at, want)
		}
		for i := range want {
			if at[i] != want[i]*time.Second {
				t.Errorf("request %d at %v, want %v", i, at[i], want[i]*time.Second)
			}
		}
	})
}

// dpopTestKey is a fresh P-256 key for a DPoP-bound client's settings.
func dpopTestKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
