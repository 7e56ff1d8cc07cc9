package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

const exchangeCount = "token:urn:ietf:params:oauth:grant-type:token-exchange"

// exchangeAPIs are API A, which calls API B on its caller's behalf through
// an exchange client, and API B, which answers "sub aud scope" of the token
// it got.
type exchangeAPIs struct {
	op *oidctest.Server
	a  *httptest.Server
}

func newExchangeAPIs(t *testing.T, c outbound.Config) *exchangeAPIs {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	p, err := verify.Discover(context.Background(), op.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	verifier := func(aud string) *verify.Verifier {
		v, err := verify.NewVerifier(verify.Config{Audiences: []string{aud}}, p)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	b := httptest.NewServer(bearer.Protect(verifier("api-b"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.Token(r.Context())
		fmt.Fprintf(w, "%s %s %s", tok.Subject, strings.Join(tok.Audience, ","), strings.Join(tok.Scopes, ","))
	})))
	t.Cleanup(b.Close)
	c.TokenURL, c.ClientID, c.ClientSecret = op.URL+"/token", op.ClientID, op.ClientSecret
	if c.EndpointParams == nil {
		c.EndpointParams = url.Values{"audience": {"api-b"}}
	}
	client := ccMust(outbound.NewExchange(c))
	a := httptest.NewServer(bearer.Protect(verifier("api-a"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", b.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})))
	t.Cleanup(a.Close)
	return &exchangeAPIs{op: op, a: a}
}

// call calls API A with the caller's token.
func (x *exchangeAPIs) call(t *testing.T, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", x.a.URL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestExchangeClient: API A calls API B as its caller with a token
// exchanged for one restricted to B; one exchange per caller's token, even
// for concurrent requests.
func TestExchangeClient(t *testing.T) {
	x := newExchangeAPIs(t, outbound.Config{Scopes: []string{"read"}})
	alice := x.op.AccessToken("alice", "api-a", "read", "write")
	for range 3 {
		if code, body := x.call(t, alice); code != 200 || body != "alice api-b read" {
			t.Fatalf("%d %q", code, body)
		}
	}
	if n := x.op.Count(exchangeCount); n != 1 {
		t.Fatalf("%d exchanges for one caller's token, want 1", n)
	}
	bob := x.op.AccessToken("bob", "api-a", "read")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, body := x.call(t, bob); code != 200 || body != "bob api-b read" {
				t.Errorf("%d %q", code, body)
			}
		})
	}
	wg.Wait()
	if n := x.op.Count(exchangeCount); n != 2 {
		t.Fatalf("%d exchanges after 20 concurrent calls for a second caller, want 2", n)
	}
}

// TestAttackExchangeWithoutCallerToken: a request whose context holds no
// verified token is refused before any token request.
func TestAttackExchangeWithoutCallerToken(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	client := ccMust(outbound.NewExchange(outbound.Config{TokenURL: op.URL + "/token",
		ClientID: op.ClientID, ClientSecret: op.ClientSecret, EndpointParams: url.Values{"audience": {"api-b"}}}))
	_, err := client.Get(op.URL + "/userinfo")
	if !errors.Is(err, bearer.ErrNoToken) || op.Count("token") != 0 {
		t.Fatalf("%v, %d token requests", err, op.Count("token"))
	}
}

// TestAttackProviderEchoesSubjectToken: a provider error quoting the
// caller's token does not carry it into the error (and so into logs).
func TestAttackProviderEchoesSubjectToken(t *testing.T) {
	x := newExchangeAPIs(t, outbound.Config{})
	alice := x.op.AccessToken("alice", "api-a")
	x.op.Set(func(b *oidctest.Behavior) {
		b.TokenStatus = 400
		b.TokenBody = `{"error":"invalid_grant","error_description":"` + alice + ` is not acceptable"}`
	})
	code, body := x.call(t, alice)
	// Descriptions are capped at 256 characters: any part of the token
	// would be a leak.
	if code != http.StatusBadGateway || strings.Contains(body, alice[:32]) || !strings.Contains(body, "invalid_grant") {
		t.Fatalf("%d %q", code, body)
	}
}

// TestExchangeConfigValidation: besides missing settings, EndpointParams
// may not set what the exchange itself sends: a configured subject_token
// would be exchanged in place of every caller's token, a grant_type would
// make it another grant.
func TestExchangeConfigValidation(t *testing.T) {
	ok := func(k, v string) url.Values { return url.Values{"audience": {"b"}, k: {v}} }
	for name, c := range map[string]outbound.Config{
		"subject_token": {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s", EndpointParams: ok("subject_token", "x")},
		"grant_type":    {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s", EndpointParams: ok("grant_type", "client_credentials")},
		"DPoPKey":       {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s", EndpointParams: url.Values{"audience": {"b"}}, DPoPKey: dpopTestKey(t)},
		"actor_token":   {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s", EndpointParams: ok("actor_token", "x")},
		"no audience":   {TokenURL: "https://op.example/token", ClientID: "a", ClientSecret: "s"},
		"no secret":     {TokenURL: "https://op.example/token", ClientID: "a", EndpointParams: url.Values{"audience": {"b"}}},
		"http endpoint": {TokenURL: "http://op.example/token", ClientID: "a", ClientSecret: "s", EndpointParams: url.Values{"audience": {"b"}}},
	} {
		if _, err := outbound.NewExchange(c); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
