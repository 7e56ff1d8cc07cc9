package middleware_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// clientCert is a self-signed TLS client certificate (RFC 8705 §2.2) and
// its SHA-256 thumbprint, base64url.
func clientCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "m2m-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, base64.RawURLEncoding.EncodeToString(sum[:])
}

// mtlsAPI is a Bearer API on a real TLS server that asks for client
// certificates without requiring a chain (RequestClientCert).
func mtlsAPI(t *testing.T, op *oidctest.Server) *httptest.Server {
	t.Helper()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	srv := httptest.NewUnstartedServer(a.handler)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// mtlsGet calls /me on srv with token, presenting cert when given.
func mtlsGet(t *testing.T, srv *httptest.Server, token string, cert *tls.Certificate) (int, string) {
	t.Helper()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

func certBoundToken(op *oidctest.Server, x5t string) string {
	return op.Sign(oidctest.Token{Alg: "ES256", Claims: claims(op, func(c map[string]any) {
		c["cnf"] = map[string]any{"x5t#S256": x5t}
	})})
}

func TestCertBoundTokenAccepted(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	srv := mtlsAPI(t, op)
	cert, x5t := clientCert(t)
	if code, www := mtlsGet(t, srv, certBoundToken(op, x5t), &cert); code != 200 {
		t.Fatalf("%d %s", code, www)
	}
}

func TestAttackCertBoundTokenWithoutCertificate(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	srv := mtlsAPI(t, op)
	_, x5t := clientCert(t)
	if code, www := mtlsGet(t, srv, certBoundToken(op, x5t), nil); code != 401 || !strings.Contains(www, "invalid_token") {
		t.Fatalf("%d %s", code, www)
	}
}

func TestAttackCertBoundTokenWithAnotherCertificate(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	srv := mtlsAPI(t, op)
	_, x5t := clientCert(t)
	thief, _ := clientCert(t)
	if code, www := mtlsGet(t, srv, certBoundToken(op, x5t), &thief); code != 401 || !strings.Contains(www, "invalid_token") {
		t.Fatalf("%d %s", code, www)
	}
}

// TestAttackCertBoundTokenOverPlainHTTP: without TLS in this server (a
// TLS-terminating proxy in front) the certificate cannot be checked, so
// the token is refused.
func TestAttackCertBoundTokenOverPlainHTTP(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	a := newAPI(t, op, verify.Config{}, bearer.Config{})
	_, x5t := clientCert(t)
	if w, err := a.do(get("/me", certBoundToken(op, x5t))); w.Code != 401 || err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("%d %v", w.Code, err)
	}
}
