package verify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// logBuffer collects log lines written from the key cache's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// keyRulesSetup starts a provider, lets prepare configure it, then
// discovers it with a logger writing every level to the returned buffer.
func keyRulesSetup(t *testing.T, prepare func(*oidctest.Server)) (*oidctest.Server, *verify.Provider, *logBuffer) {
	t.Helper()
	op := oidctest.NewServer()
	t.Cleanup(op.Close)
	if prepare != nil {
		prepare(op)
	}
	logs := &logBuffer{}
	p, err := verify.NewProvider(t.Context(), verify.ProviderConfig{
		Issuer: op.URL,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return op, p, logs
}

// withMembers publishes the server's keys with members merged in.
func withMembers(members map[string]map[string]any) func(*oidctest.Server) {
	return func(op *oidctest.Server) {
		op.Set(func(b *oidctest.Behavior) { b.JWKSMembers = members })
	}
}

// newVerifier is NewVerifier for audience "api".
func newVerifier(t *testing.T, c verify.Config, p *verify.Provider) *verify.Verifier {
	t.Helper()
	c.Audiences = []string{"api"}
	v, err := verify.NewVerifier(c, p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rsaToken signs base claims with alg under the server's RSA key ID; key,
// when set, signs instead of the server's key.
func rsaToken(op *oidctest.Server, alg string, key crypto.Signer) string {
	tok := oidctest.Token{Alg: alg, Header: map[string]any{"kid": op.KeyID("RS256")}, Claims: baseClaims(op)}
	if key != nil {
		tok.Key = key
	}
	return op.Sign(tok)
}

// TestAttackRSAKeyWithoutAlgUsedAsPS256: a key is used with one algorithm
// (RFC 8725 §3.1). The provider publishes its RSA key without alg, as Entra
// does: by default it verifies RS256 only, so a PS256 signature by the same
// key is refused. The application widens it only by listing Algorithms
// itself: {"PS256"} makes it a PS256 key, {"RS256","PS256"} both. A key that
// carries its own alg is never widened.
func TestAttackRSAKeyWithoutAlgUsedAsPS256(t *testing.T) {
	op, p, _ := keyRulesSetup(t, withMembers(map[string]map[string]any{"RS256": {"alg": nil}, "EdDSA": {"alg": nil}}))
	rows := []struct {
		name   string
		algs   []string
		accept map[string]bool
	}{
		{"default list", nil, map[string]bool{"RS256": true, "PS256": false, "RS512": false}},
		{"Algorithms PS256", []string{"PS256"}, map[string]bool{"RS256": false, "PS256": true}},
		{"Algorithms RS256 and PS256", []string{"RS256", "PS256"}, map[string]bool{"RS256": true, "PS256": true, "RS512": false}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			v := newVerifier(t, verify.Config{Algorithms: r.algs}, p)
			for alg, want := range r.accept {
				_, err := v.Verify(t.Context(), rsaToken(op, alg, nil))
				if want && err != nil {
					t.Errorf("%s refused: %v", alg, err)
				}
				if !want && !errors.Is(err, verify.ErrInvalid) {
					t.Errorf("%s: %v, want ErrInvalid", alg, err)
				}
			}
		})
	}
	t.Run("Ed25519 key without alg", func(t *testing.T) {
		ed := op.Sign(oidctest.Token{Alg: "Ed25519", Claims: baseClaims(op)})
		if _, err := newVerifier(t, verify.Config{}, p).Verify(t.Context(), op.Sign(oidctest.Token{Alg: "EdDSA", Claims: baseClaims(op)})); err != nil {
			t.Errorf("EdDSA, its implied alg: %v", err)
		}
		if _, err := newVerifier(t, verify.Config{Algorithms: []string{"EdDSA", "Ed25519"}}, p).Verify(t.Context(), ed); err != nil {
			t.Errorf("Ed25519 listed by the application: %v", err)
		}
	})
	t.Run("key with its own alg", func(t *testing.T) {
		op2, v2 := setup(t, verify.Config{Algorithms: []string{"RS256", "PS256"}})
		if _, err := v2.Verify(t.Context(), rsaToken(op2, "PS256", nil)); !errors.Is(err, verify.ErrInvalid) {
			t.Errorf("PS256 under a key that says RS256, PS256 listed: %v", err)
		}
	})
}

// TestJWKSDropsKeyWithPrivateMembers: a key set that publishes private key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1) is a provider misconfiguration:
// the key is not used, the other keys are, and an Error names the member
// but never its value.
func TestJWKSDropsKeyWithPrivateMembers(t *testing.T) {
	const secret = "c2VjcmV0LXZhbHVlLW5ldmVyLWxvZ2dlZA"
	for _, member := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		t.Run(member, func(t *testing.T) {
			op, p, logs := keyRulesSetup(t, withMembers(map[string]map[string]any{"RS256": {member: secret}}))
			v := newVerifier(t, verify.Config{}, p)
			if _, err := v.Verify(t.Context(), rsaToken(op, "RS256", nil)); !errors.Is(err, verify.ErrInvalid) {
				t.Errorf("token under the leaked key: %v, want ErrInvalid", err)
			}
			if _, err := v.Verify(t.Context(), op.Sign(oidctest.Token{Alg: "ES256", Claims: baseClaims(op)})); err != nil {
				t.Errorf("a token under another key: %v", err)
			}
			l := logs.String()
			if !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "provider misconfiguration") ||
				!strings.Contains(l, "("+member+")") || !strings.Contains(l, op.KeyID("RS256")) {
				t.Errorf("log does not report the misconfiguration:\n%s", l)
			}
			if strings.Contains(l, secret) {
				t.Errorf("log carries the private value:\n%s", l)
			}
		})
	}
}

// jwksRule runs one key-set rule through the provider: the RSA key published
// with members is used (token accepted) or not (ErrInvalid), and the log
// holds logged when it is not.
func jwksRule(t *testing.T, members map[string]any, key crypto.Signer, used bool, logged string) {
	t.Helper()
	op, p, logs := keyRulesSetup(t, withMembers(map[string]map[string]any{"RS256": members}))
	_, err := newVerifier(t, verify.Config{}, p).Verify(t.Context(), rsaToken(op, "RS256", key))
	switch {
	case used && err != nil:
		t.Errorf("%v: refused: %v", members, err)
	case !used && !errors.Is(err, verify.ErrInvalid):
		t.Errorf("%v: %v, want ErrInvalid", members, err)
	case !used && !strings.Contains(logs.String(), logged):
		t.Errorf("%v: log does not say %q:\n%s", members, logged, logs)
	}
}

// TestJWKSDropsEncryptionKey: a key whose use is not "sig" (RFC 7517 §4.2)
// is not a signature key, even when its type could verify.
func TestJWKSDropsEncryptionKey(t *testing.T) {
	jwksRule(t, map[string]any{"use": "enc"}, nil, false, `use is \"enc\"`)
	jwksRule(t, map[string]any{"use": ""}, nil, false, `use is \"\"`)
	jwksRule(t, map[string]any{"use": "SIG"}, nil, false, `use is \"SIG\"`)
	jwksRule(t, map[string]any{"use": nil}, nil, true, "")
}

// TestJWKSDropsKeyWithoutVerifyOp: key_ops (RFC 7517 §4.3), when present,
// must allow "verify".
func TestJWKSDropsKeyWithoutVerifyOp(t *testing.T) {
	jwksRule(t, map[string]any{"key_ops": []string{"encrypt"}}, nil, false, "key_ops")
	jwksRule(t, map[string]any{"key_ops": []string{}}, nil, false, "key_ops")
	jwksRule(t, map[string]any{"key_ops": "verify"}, nil, false, "key_ops")
	jwksRule(t, map[string]any{"key_ops": []string{"verify"}}, nil, true, "")
	jwksRule(t, map[string]any{"key_ops": []string{"sign", "verify"}}, nil, true, "")
}

// TestJWKSDropsShortRSAKey: an RSA key under 2048 bits is refused (RFC 8725
// §3.5 via NIST SP 800-131A). The provider publishes a 1024-bit modulus
// under its RSA key ID and signs with it; the same swap with a 2048-bit key
// passes, so the refusal is the size rule.
func TestJWKSDropsShortRSAKey(t *testing.T) {
	for bits, used := range map[int]bool{1024: false, 2048: true} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		n := base64.RawURLEncoding.EncodeToString(k.N.Bytes())
		jwksRule(t, map[string]any{"n": n}, k, used, "RSA key of 1024 bits")
	}
}

// certFor returns a base64 DER certificate for pub issued by a throwaway CA.
func certFor(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oidctest"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// TestJWKSDropsMismatchedX5c: a key whose x5c certificate holds another
// public key is contradictory and not used; a certificate of the key itself
// is fine.
func TestJWKSDropsMismatchedX5c(t *testing.T) {
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwksRule(t, map[string]any{"x5c": []string{certFor(t, &other.PublicKey)}}, nil, false, "x5c")
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwksRule(t, map[string]any{"x5c": []string{certFor(t, &ec.PublicKey)}}, nil, false, "x5c")

	// The matching certificate needs the server's own public key.
	own, p, _ := keyRulesSetup(t, func(op *oidctest.Server) {
		withMembers(map[string]map[string]any{"RS256": {"x5c": []string{certFor(t, op.PublicKey("RS256"))}}})(op)
	})
	if _, err := newVerifier(t, verify.Config{}, p).Verify(t.Context(), rsaToken(own, "RS256", nil)); err != nil {
		t.Errorf("x5c of the key itself: %v", err)
	}
}

// TestJWKSKeepsKeyWithMalformedX5c: an x5c that is not a list of base64 DER
// certificates is ignored; the key itself is complete and still used.
func TestJWKSKeepsKeyWithMalformedX5c(t *testing.T) {
	for _, x5c := range []any{
		[]string{"not base64!"},
		[]string{"AAAA"},
		"MIIB",
		[]any{42},
		[]string{},
	} {
		jwksRule(t, map[string]any{"x5c": x5c}, nil, true, "")
	}
}
