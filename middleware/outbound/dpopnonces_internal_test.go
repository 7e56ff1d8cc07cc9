package outbound

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strconv"
	"testing"
)

// TestDPoPNoncesBound: a client remembers the nonces of maxNonces servers;
// one more forgets the server used least recently, not all of them.
func TestDPoPNoncesBound(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, err := newDPoPSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	note := func(host, nonce string) bool {
		r, _ := http.NewRequest("GET", "https://"+host+"/", nil)
		return s.noteNonce(r, &http.Response{Header: http.Header{"Dpop-Nonce": {nonce}}})
	}
	for i := range maxNonces {
		if !note("h"+strconv.Itoa(i), "n"+strconv.Itoa(i)) {
			t.Fatalf("nonce %d not taken as new", i)
		}
	}
	if note("h5", "n5") {
		t.Fatal("a nonce already held was taken as new")
	}
	s.nonce("https://h0") // in use
	note("extra", "x")
	if n := s.nonces.Len(); n != maxNonces {
		t.Fatalf("%d nonces held, bound %d", n, maxNonces)
	}
	if s.nonce("https://h1") != "" {
		t.Error("the server used least recently was not the one forgotten")
	}
	for _, h := range []string{"h0", "h2", "h" + strconv.Itoa(maxNonces-1), "extra"} {
		if s.nonce("https://"+h) == "" {
			t.Errorf("the nonce of %s was forgotten", h)
		}
	}
}
