package middleware_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// m2mAPI is a Bearer-protected API that accepts the provider's tokens, can
// be told to reject one token (revoked), and counts calls.
type m2mAPI struct {
	srv     *httptest.Server
	calls   atomic.Int64
	revoked atomic.Pointer[string]
	auds    sync.Map
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
	inner := middleware.Bearer(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := middleware.Token(r.Context())
		for _, a := range tok.Audience {
			api.auds.Store(a, true)
		}
		body, _ := io.ReadAll(r.Body)
		w.Write(append([]byte("ok "), body...))
	}))
	api.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.calls.Add(1)
		if p := api.revoked.Load(); p != nil && r.Header.Get("Authorization") == "Bearer "+*p {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(401)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(api.srv.Close)
	return api
}

func TestClientSingleFlightAndRenewal(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	c, err := middleware.NewClient(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, ExpiryMargin: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	burst := func() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.Get(api.srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("API answered %d", resp.StatusCode)
				}
			}()
		}
		wg.Wait()
	}
	burst()
	if n := op.Count("token:client_credentials"); n != 1 {
		t.Errorf("100 concurrent calls made %d token requests, want 1", n)
	}
	time.Sleep(1100 * time.Millisecond) // inside the 1 s margin of the 2 s token
	burst()
	if n := op.Count("token:client_credentials"); n != 2 {
		t.Errorf("after expiry: %d token requests in all, want 2", n)
	}
}

func TestClientRetriesOnceOn401(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	tr, err := middleware.NewTransport(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: tr}
	first, _ := tr.Token(context.Background())
	api.revoked.Store(&first)
	resp, err := c.Post(api.srv.URL, "text/plain", strings.NewReader("payload"))
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
	// A body that cannot be replayed is not retried: the 401 comes back.
	second, _ := tr.Token(context.Background())
	api.revoked.Store(&second)
	req, _ := http.NewRequest("POST", api.srv.URL, io.NopCloser(strings.NewReader("once")))
	req.GetBody = nil
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("non-replayable body after a 401: %d, want the 401", resp.StatusCode)
	}
}

func TestClientAuthStylesAndParams(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.AddClient(oidctest.Client{ID: "svc:reports", Secret: "p@ss w%rd+/="})
	api := newM2MAPI(t, op)
	for _, style := range []middleware.AuthStyle{middleware.ClientSecretBasic, middleware.ClientSecretPost} {
		for param, aud := range map[string]string{"audience": "https://a.example", "resource": "https://r.example"} {
			c, err := middleware.NewClient(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: "svc:reports",
				ClientSecret: "p@ss w%rd+/=", AuthStyle: style, Scopes: []string{"read"}, EndpointParams: url.Values{param: {aud}}})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Get(api.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("style %d, %s: %d", style, param, resp.StatusCode)
			}
			if _, ok := api.auds.Load(aud); !ok {
				t.Errorf("style %d: %s=%s did not reach the token's aud", style, param, aud)
			}
		}
	}
}

func TestClientTokenResponseQuirks(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	big := `{"access_token":"` + strings.Repeat("x", 5<<20) + `","token_type":"Bearer"}`
	rows := []struct {
		name  string
		set   func(*oidctest.Behavior)
		ok    bool
		code  string // ProviderError code when refused
		check func(t *testing.T, tr *middleware.Transport)
	}{
		{name: "expires_in as a string", set: func(b *oidctest.Behavior) { b.ExpiresInAsString = true }, ok: true},
		{name: "no expires_in", set: func(b *oidctest.Behavior) { b.OmitExpiresIn = true }, ok: true},
		{name: "lowercase bearer", set: func(b *oidctest.Behavior) { b.LowercaseTokenType = true }, ok: true},
		{name: "form-encoded", set: func(b *oidctest.Behavior) { b.FormEncodedTokenResponse = true }, ok: true},
		{name: "200 with an error field", set: func(b *oidctest.Behavior) { b.TokenBody = `{"error":"invalid_scope","error_description":"no"}` }, code: "invalid_scope"},
		{name: "HTML error page", set: func(b *oidctest.Behavior) {
			b.TokenBody, b.TokenContentType, b.TokenStatus = "<html>Bad Gateway</html>", "text/html", 502
		}},
		{name: "HTML at 200", set: func(b *oidctest.Behavior) { b.TokenBody, b.TokenContentType = "<html>login</html>", "text/html" }},
		{name: "5 MB body", set: func(b *oidctest.Behavior) { b.TokenBody = big }},
		{name: "not a bearer token", set: func(b *oidctest.Behavior) { b.TokenBody = `{"access_token":"x","token_type":"DPoP","expires_in":60}` }},
		{name: "401 refusal", set: func(b *oidctest.Behavior) { b.TokenStatus = 401 }, code: "invalid_grant"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			op.Set(func(b *oidctest.Behavior) { *b = oidctest.Behavior{} })
			op.Set(tc.set)
			tr, err := middleware.NewTransport(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: tr}).Get(api.srv.URL)
			if tc.ok {
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("%v %v", err, resp)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("accepted: %d", resp.StatusCode)
			}
			if !errors.Is(err, middleware.ErrProvider) {
				t.Errorf("error %v: want ErrProvider", err)
			}
			var pe *middleware.ProviderError
			if tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code) {
				t.Errorf("error %v: want ProviderError %s", err, tc.code)
			}
			if strings.Contains(err.Error(), op.ClientSecret) || strings.Contains(err.Error(), "xxxxxxxx") || strings.Contains(err.Error(), "<html>") {
				t.Errorf("the error carries the secret or the body: %.200s", err)
			}
		})
	}
}

// One caller giving up does not break the renewal the others wait for.
func TestClientCallerCancellation(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.TokenDelay = 300 * time.Millisecond })
	tr, _ := middleware.NewTransport(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := tr.Token(ctx); errc <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	if tok, err := tr.Token(context.Background()); err != nil || tok == "" {
		t.Errorf("another caller: %v", err)
	}
	if n := op.Count("token:client_credentials"); n != 1 {
		t.Errorf("%d token requests, want the one shared", n)
	}
}

func TestRefreshClientRotation(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	api := newM2MAPI(t, op)
	rt := provisionRefreshToken(t, op)
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 2 * time.Second })
	var mu sync.Mutex
	var saved []string
	c, err := middleware.NewRefreshClient(middleware.RefreshClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, RefreshToken: rt, ExpiryMargin: time.Second,
		OnRotate: func(_ context.Context, n string) error { mu.Lock(); saved = append(saved, n); mu.Unlock(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.Get(api.srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("round %d: %d", round, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		time.Sleep(1100 * time.Millisecond)
	}
	if n := op.Count("token:refresh_token"); n != 3 {
		t.Errorf("%d refreshes for 3 rounds, want 3 (reuse detection would have revoked the grant)", n)
	}
	if len(saved) != 3 || saved[0] == rt {
		t.Errorf("OnRotate saw %d tokens", len(saved))
	}
	// OnRotate failing: the new access token is not used.
	rt2 := provisionRefreshToken(t, op)
	c2, _ := middleware.NewRefreshClient(middleware.RefreshClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, RefreshToken: rt2,
		OnRotate: func(context.Context, string) error { return errors.New("disk full") }})
	if _, err := c2.Get(api.srv.URL); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("OnRotate failing: %v", err)
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

// The documented defaults: renewal 30 s before expiry, and 5 minutes of life
// for a token answered without expires_in.
func TestClientDefaults(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	op.Set(func(b *oidctest.Behavior) { b.AccessTokenTTL = 31 * time.Second })
	tr, _ := middleware.NewTransport(middleware.ClientConfig{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret})
	tr.Token(context.Background())
	tr.Token(context.Background())
	if n := op.Count("token:client_credentials"); n != 1 {
		t.Fatalf("a 31 s token was renewed at once: %d requests", n)
	}
	time.Sleep(1100 * time.Millisecond) // now within 30 s of expiry
	tr.Token(context.Background())
	if n := op.Count("token:client_credentials"); n != 2 {
		t.Errorf("inside the 30 s margin: %d requests, want a renewal", n)
	}
}
