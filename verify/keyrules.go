package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strings"
)

// This file decides which keys of a provider's JWKS are used, and with which
// algorithm. Gatehouse reads the JWK members itself, by their exact names,
// so every rule here is its own and none depends on what a parser happens to
// refuse.

// minRSABits is the smallest RSA modulus a published key may have.
const minRSABits = 2048

// privateMembers are the JWK members that carry secret key material
// (RFC 7518 §6.2.2, §6.3.2, §6.4.1). A public key set must hold none.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// publicKey is one usable verification key, already exported to its crypto
// type so the hot path never converts.
type publicKey struct {
	kid string
	alg string // the JWK's own alg; "" when it does not say
	key any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// keyList is the usable keys of one fetched JWKS, in document order.
type keyList struct {
	keys []*publicKey
}

// jwksTransformer turns a JWKS response into its usable keys for the key
// cache, logging every key it drops to log; src names the key set in the log.
func jwksTransformer(src string, log *slog.Logger) func(context.Context, *http.Response) (*keyList, error) {
	return func(_ context.Context, res *http.Response) (*keyList, error) {
		body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", src, err)
		}
		if len(body) > maxBody {
			return nil, fmt.Errorf("%s is larger than %d bytes", src, maxBody)
		}
		return parseJWKS(body, src, log)
	}
}

// parseJWKS reads a JWK Set (RFC 7517 §5) and keeps the keys admitKey
// accepts. A document that is not a set is an error (the cache then keeps
// the last good set); a set without usable keys is not.
func parseJWKS(body []byte, src string, log *slog.Logger) (*keyList, error) {
	if err := checkNames(body, jwkNames, true); err != nil {
		return nil, fmt.Errorf("%s refused: %w", src, err) // see strictjson.go
	}
	var doc map[string]json.RawMessage
	var entries []json.RawMessage
	if json.Unmarshal(body, &doc) != nil || json.Unmarshal(doc["keys"], &entries) != nil || entries == nil {
		return nil, fmt.Errorf("%s is not a JWK Set (a JSON object with a keys array)", src)
	}
	l := &keyList{}
	for i, raw := range entries {
		pk, level, err := admitKey(raw)
		if err != nil {
			log.Log(context.Background(), level, "verify: a key of the provider's key set is not used",
				"jwks_uri", src, "index", i, "kid", pk.kid, "reason", err.Error())
			continue
		}
		l.keys = append(l.keys, pk)
	}
	return l, nil
}

// errMisconfigured marks a key whose publication is a provider's mistake
// worth an operator's attention, not a key that is merely of no use here.
var errMisconfigured = errors.New("provider misconfiguration")

// admitKey returns the verification key one JWK describes, or why it is not
// used and how loudly to say so. pk.kid is set even on refusal. The rules:
// no private members (logged at Error: the provider published a secret);
// use, when present, is "sig"; key_ops, when present, holds "verify"; RSA
// of at least 2048 bits, EC on P-256/384/521, or Ed25519; alg, when present,
// one the key's type and curve can sign with; an x5c whose first
// certificate parses must hold this very public key (a malformed x5c is
// ignored: Gatehouse never uses the certificate).
func admitKey(raw json.RawMessage) (pk *publicKey, level slog.Level, err error) {
	pk = &publicKey{}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return pk, slog.LevelWarn, errors.New("not a JSON object")
	}
	str := func(name string) (string, error) {
		var s string
		if v, ok := m[name]; ok && json.Unmarshal(v, &s) != nil {
			return "", fmt.Errorf("%s is not a string", name)
		}
		return s, nil
	}
	var kty, use, crv string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"kid", &pk.kid}, {"kty", &kty}, {"use", &use}, {"alg", &pk.alg}, {"crv", &crv}} {
		if *f.dst, err = str(f.name); err != nil {
			return pk, slog.LevelWarn, err
		}
	}
	var leaked []string
	for _, name := range privateMembers {
		if _, ok := m[name]; ok {
			leaked = append(leaked, name)
		}
	}
	if leaked != nil {
		return pk, slog.LevelError, fmt.Errorf("%w: the key carries private members (%s); it must be removed from the public key set and replaced",
			errMisconfigured, strings.Join(leaked, ", "))
	}
	if _, ok := m["use"]; ok && use != "sig" {
		return pk, slog.LevelDebug, fmt.Errorf("use is %q, not \"sig\"", use)
	}
	if v, ok := m["key_ops"]; ok {
		var ops []string
		if json.Unmarshal(v, &ops) != nil || !slices.Contains(ops, "verify") {
			return pk, slog.LevelWarn, errors.New(`key_ops does not hold "verify"`)
		}
	}
	switch kty {
	case "RSA":
		pk.key, err = rsaKey(str)
	case "EC":
		pk.key, err = ecKey(crv, str)
	case "OKP":
		pk.key, err = okpKey(crv, str)
	default:
		return pk, slog.LevelDebug, fmt.Errorf("kty %q is not a signature key type Gatehouse uses", kty)
	}
	if err != nil {
		return pk, slog.LevelWarn, err
	}
	if pk.alg != "" && !pk.canSign(pk.alg) {
		return pk, slog.LevelWarn, fmt.Errorf("alg %q cannot be signed with this key's type or curve", pk.alg)
	}
	if err := checkX5c(m["x5c"], pk.key); err != nil {
		return pk, slog.LevelWarn, err
	}
	return pk, 0, nil
}

// rsaKey reads n and e: a modulus of at least minRSABits bits and an odd
// exponent from 3 to 2^31-1.
func rsaKey(str func(string) (string, error)) (any, error) {
	n, err := bigMember("n", str)
	if err != nil {
		return nil, err
	}
	e, err := bigMember("e", str)
	if err != nil {
		return nil, err
	}
	if n.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA key of %d bits, under the minimum %d", n.BitLen(), minRSABits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("RSA exponent out of range")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// ecKey reads x and y on a NIST curve, each exactly the field's size, and
// checks that the point is on the curve.
func ecKey(crv string, str func(string) (string, error)) (any, error) {
	k, _, _, err := ecKeyXY(crv, str)
	return k, err
}

// ecKeyXY is ecKey that also returns the decoded coordinates.
func ecKeyXY(crv string, str func(string) (string, error)) (_ *ecdsa.PublicKey, x, y []byte, err error) {
	var c elliptic.Curve
	switch crv {
	case "P-256":
		c = elliptic.P256()
	case "P-384":
		c = elliptic.P384()
	case "P-521":
		c = elliptic.P521()
	default:
		return nil, nil, nil, fmt.Errorf("EC curve %q is not supported", crv)
	}
	size := (c.Params().BitSize + 7) / 8
	if x, err = bytesMember("x", str); err != nil {
		return nil, nil, nil, err
	}
	if y, err = bytesMember("y", str); err != nil {
		return nil, nil, nil, err
	}
	if len(x) != size || len(y) != size {
		return nil, nil, nil, fmt.Errorf("EC coordinates are not %d bytes", size)
	}
	point := make([]byte, 1+2*size)
	point[0] = 4 // uncompressed
	copy(point[1:], x)
	copy(point[1+size:], y)
	k, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return nil, nil, nil, errors.New("EC point is not on the curve")
	}
	return k, x, y, nil
}

// okpKey reads an Ed25519 x of exactly 32 bytes.
func okpKey(crv string, str func(string) (string, error)) (any, error) {
	if crv != "Ed25519" {
		return nil, fmt.Errorf("OKP curve %q is not supported", crv)
	}
	x, err := bytesMember("x", str)
	if err != nil {
		return nil, err
	}
	if len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("Ed25519 key of %d bytes, not %d", len(x), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(x), nil
}

// bytesMember decodes a base64url member (RFC 7518 §2). Padding and the
// standard alphabet are tolerated: some providers publish them.
func bytesMember(name string, str func(string) (string, error)) ([]byte, error) {
	s, err := str(name)
	if err != nil {
		return nil, err
	}
	s = strings.TrimRight(s, "=")
	b := make([]byte, base64.RawURLEncoding.DecodedLen(len(s)))
	n, err := base64.RawURLEncoding.Decode(b, readOnly(s))
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(b, readOnly(s))
	}
	if err != nil || n == 0 {
		return nil, fmt.Errorf("%s is missing or not base64url", name)
	}
	return b[:n], nil
}

// bigMember decodes a base64url unsigned big-endian integer member.
func bigMember(name string, str func(string) (string, error)) (*big.Int, error) {
	b, err := bytesMember(name, str)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// checkX5c refuses a key whose x5c (RFC 7517 §4.7) names another key: the
// first certificate must hold the same public key. An x5c that is not an
// array of base64 DER certificates is ignored: the key itself is complete
// without it, and Gatehouse never uses the certificate.
func checkX5c(v json.RawMessage, key any) error {
	var chain []string
	if v == nil || json.Unmarshal(v, &chain) != nil || len(chain) == 0 {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(chain[0])
	if err != nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key) {
		return errors.New("the first x5c certificate holds another public key")
	}
	return nil
}

// canSign reports whether the key's type and curve can verify alg.
func (pk *publicKey) canSign(alg string) bool {
	switch key := pk.key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return key.Curve == elliptic.P256()
		case "ES384":
			return key.Curve == elliptic.P384()
		case "ES512":
			return key.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA" || alg == "Ed25519"
	}
	return false
}

// impliedAlg is the one algorithm a key without "alg" is used with
// (RFC 8725 §3.1): RS256 for RSA, ES256, ES384 or ES512 by curve, EdDSA for
// Ed25519.
func (pk *publicKey) impliedAlg() string {
	switch key := pk.key.(type) {
	case *rsa.PublicKey:
		return "RS256"
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256():
			return "ES256"
		case elliptic.P384():
			return "ES384"
		case elliptic.P521():
			return "ES512"
		}
	case ed25519.PublicKey:
		return "EdDSA"
	}
	return ""
}

// fits reports whether pk may verify a token signed with alg. A key is used
// with one algorithm: its own "alg", or, when it has none, its impliedAlg.
// wide (the application set Config.Algorithms itself) lets a key without
// "alg" be used with every listed algorithm its type and curve can sign:
// listing RS256 and PS256 means an RSA key without alg verifies both.
func (pk *publicKey) fits(alg string, wide bool) bool {
	if !pk.canSign(alg) {
		return false
	}
	switch {
	case pk.alg != "":
		return pk.alg == alg
	case wide:
		return true
	}
	return alg == pk.impliedAlg()
}
