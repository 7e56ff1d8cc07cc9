package outbound

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// exchangeCount is oidctest's counter of token-exchange requests.
const exchangeCount = "token:urn:ietf:params:oauth:grant-type:token-exchange"

// exchangeAPIs are API A, which calls API B on its caller's behalf through
// an exchanger holding at most two callers, and API B.
type exchangeAPIs struct {
	op *oidctest.Server
	a  *httptest.Server
}

func newExchangeAPIs(t *testing.T) *exchangeAPIs {
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
	b := httptest.NewServer(bearer.Protect(verifier("api-b"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	t.Cleanup(b.Close)
	e, err := newExchanger(Config{TokenURL: op.URL + "/token", ClientID: op.ClientID, ClientSecret: op.ClientSecret,
		EndpointParams: url.Values{"audience": {"api-b"}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: e}
	a := httptest.NewServer(bearer.Protect(verifier("api-a"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", b.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
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

// TestExchangeCacheBound fills the exchange cache past its
// bound of two callers: the caller seen least recently goes, even when
// another's token expires sooner, and a caller in use keeps its exchanged
// token.
func TestExchangeCacheBound(t *testing.T) {
	x := newExchangeAPIs(t)
	token := func(sub string, life time.Duration) string {
		now := time.Now()
		return x.op.Sign(oidctest.Token{Header: map[string]any{"typ": "at+jwt"}, Claims: map[string]any{
			"iss": x.op.Issuer(), "sub": sub, "aud": "api-a", "scope": "read",
			"exp": now.Add(life).Unix(), "iat": now.Unix()}})
	}
	soon, later, latest := token("alice", time.Hour), token("bob", 2*time.Hour), token("carol", 3*time.Hour)
	for i, c := range []struct {
		token     string
		exchanges int
	}{
		{soon, 1}, {later, 2}, {soon, 2}, // alice is now the most recent
		{latest, 3}, // full: bob, least recent, goes
		{soon, 3}, {latest, 3}, {later, 4},
	} {
		if code, body := x.call(t, c.token); code != 200 {
			t.Fatalf("call %d: %d %q", i, code, body)
		}
		if n := x.op.Count(exchangeCount); n != c.exchanges {
			t.Fatalf("after call %d: %d exchanges, want %d", i, n, c.exchanges)
		}
	}
}
