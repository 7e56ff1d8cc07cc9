package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// AuthStyle is how a client authenticates at the provider's endpoints
// (token, introspection, revocation, pushed authorization requests): the
// one setting of every Gatehouse config that talks to a provider as a
// client. It is always explicit: x/oauth2's auto-detection sends an
// authorization code a second time when the first style fails.
type AuthStyle int

const (
	// ClientSecretBasic sends the client ID and secret in an HTTP Basic
	// Authorization header, each form-url-encoded first (RFC 6749 §2.3.1).
	// The default.
	ClientSecretBasic AuthStyle = iota
	// ClientSecretPost sends them as client_id and client_secret form
	// parameters.
	ClientSecretPost
	// PrivateKeyJWT sends client_id and a JWT signed with the config's
	// ClientKey as client_assertion (RFC 7523 §2.2, OpenID Connect Core
	// §9): a fresh jti, iat, and exp a minute later in each request. No
	// secret is sent.
	PrivateKeyJWT
)

// String names the style as the token_endpoint_auth_method it implements.
func (s AuthStyle) String() string {
	switch s {
	case ClientSecretBasic:
		return "client_secret_basic"
	case ClientSecretPost:
		return "client_secret_post"
	case PrivateKeyJWT:
		return "private_key_jwt"
	}
	return fmt.Sprintf("AuthStyle(%d)", int(s))
}

// ClientKey is the key a client authenticates with when its AuthStyle is
// PrivateKeyJWT (RFC 7523 §2.2, OpenID Connect Core §9).
type ClientKey struct {
	// Signer is the private key; its public key is the one registered at
	// the provider (the client's jwks or jwks_uri). RSA of at least 2048
	// bits signs RS256, ECDSA ES256, ES384 or ES512 by curve, Ed25519
	// EdDSA.
	Signer crypto.Signer
	// KeyID, when set, is sent as the assertion's kid header: the key's
	// ID in the registered key set.
	KeyID string
	// Audience is the assertion's aud. Default the endpoint's own default
	// (the token endpoint URL, OpenID Connect Core §9), also used at the
	// introspection, revocation and pushed authorization request
	// endpoints; some providers want their issuer.
	Audience string
}

// assertionLifetime is each client assertion's exp - iat: one request's
// worth, so a captured assertion is soon useless.
const assertionLifetime = time.Minute

// Assertion returns a fresh client assertion of clientID (RFC 7523 §3): iss
// and sub the client ID, aud k.Audience (else audience), a random jti, iat
// now and exp a minute later, signed by k.Signer. It is sent as
// client_assertion with client_assertion_type
// urn:ietf:params:oauth:client-assertion-type:jwt-bearer.
func (k ClientKey) Assertion(clientID, audience string, now time.Time) (string, error) {
	alg, err := k.algorithm()
	if err != nil {
		return "", err
	}
	if k.Audience != "" {
		audience = k.Audience
	}
	h := jws.NewHeaders()
	_ = h.Set(jws.TypeKey, "JWT")
	if k.KeyID != "" {
		_ = h.Set(jws.KeyIDKey, k.KeyID)
	}
	c, _ := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		JTI string `json:"jti"`
		IAT int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}{clientID, clientID, audience, rand.Text(), now.Unix(), now.Add(assertionLifetime).Unix()})
	s, err := jws.Sign(c, jws.WithKey(alg, k.Signer, jws.WithProtectedHeaders(h)))
	if err != nil {
		return "", fmt.Errorf("verify: signing the client assertion: %w", err)
	}
	return string(s), nil
}

// algorithm picks the signing algorithm of k.Signer: RS256 for RSA of at
// least 2048 bits, ES256/384/512 by curve, EdDSA for Ed25519.
func (k ClientKey) algorithm() (jwa.SignatureAlgorithm, error) {
	if k.Signer == nil {
		return jwa.EmptySignatureAlgorithm(), errors.New("verify: ClientKey.Signer is nil")
	}
	switch pub := k.Signer.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return jwa.EmptySignatureAlgorithm(), errors.New("RSA keys need at least 2048 bits")
		}
		return jwa.RS256(), nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return jwa.ES256(), nil
		case elliptic.P384():
			return jwa.ES384(), nil
		case elliptic.P521():
			return jwa.ES512(), nil
		}
		return jwa.EmptySignatureAlgorithm(), errors.New("ECDSA keys must be on P-256, P-384 or P-521")
	case ed25519.PublicKey:
		return jwa.EdDSA(), nil
	}
	return jwa.EmptySignatureAlgorithm(), errors.New("an RSA, ECDSA or Ed25519 key is needed")
}

// Check is the one rule every config's client authentication is held to:
// s is a known style, and k is set exactly when s is PrivateKeyJWT, with a
// Signer that can sign assertions. Its errors name the fields AuthStyle and
// ClientKey.
func (s AuthStyle) Check(k ClientKey) error {
	switch {
	case s != ClientSecretBasic && s != ClientSecretPost && s != PrivateKeyJWT:
		return fmt.Errorf("unknown AuthStyle %d", int(s))
	case s != PrivateKeyJWT && (k.Signer != nil || k.KeyID != "" || k.Audience != ""):
		return errors.New("ClientKey is set but AuthStyle is not PrivateKeyJWT")
	case s == PrivateKeyJWT && k.Signer == nil:
		return errors.New("AuthStyle PrivateKeyJWT needs ClientKey.Signer")
	case s == PrivateKeyJWT:
		if _, err := k.algorithm(); err != nil {
			return fmt.Errorf("ClientKey.Signer: %w", err)
		}
	}
	return nil
}
