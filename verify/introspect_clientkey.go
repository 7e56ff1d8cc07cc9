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
	"net/url"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// clientAssertion signs the private_key_jwt assertions (RFC 7523 §2.2) of
// an Introspector.
type clientAssertion struct {
	key      crypto.Signer
	alg      jwa.SignatureAlgorithm
	headers  jws.Headers
	clientID string
	aud      string
}

// newClientAssertion picks the algorithm for key: RS256 for RSA of at least
// 2048 bits, ES256/384/512 by curve, EdDSA for Ed25519.
func newClientAssertion(key crypto.Signer, keyID, clientID, aud string) (*clientAssertion, error) {
	if key == nil {
		return nil, errors.New("verify: IntrospectionConfig.AuthMethod private_key_jwt needs ClientKey")
	}
	var alg jwa.SignatureAlgorithm
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return nil, errors.New("verify: IntrospectionConfig.ClientKey: RSA keys need at least 2048 bits")
		}
		alg = jwa.RS256()
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			alg = jwa.ES256()
		case elliptic.P384():
			alg = jwa.ES384()
		case elliptic.P521():
			alg = jwa.ES512()
		default:
			return nil, errors.New("verify: IntrospectionConfig.ClientKey: ECDSA keys must be on P-256, P-384 or P-521")
		}
	case ed25519.PublicKey:
		alg = jwa.EdDSA()
	default:
		return nil, errors.New("verify: IntrospectionConfig.ClientKey must be an RSA, ECDSA or Ed25519 key")
	}
	h := jws.NewHeaders()
	_ = h.Set(jws.TypeKey, "JWT")
	if keyID != "" {
		_ = h.Set(jws.KeyIDKey, keyID)
	}
	return &clientAssertion{key: key, alg: alg, headers: h, clientID: clientID, aud: aud}, nil
}

// authenticate sets client_id and a fresh assertion in form: iss and sub
// the client ID, aud, a random jti, iat now, exp a minute later.
func (a *clientAssertion) authenticate(form url.Values, now time.Time) error {
	c, _ := json.Marshal(map[string]any{"iss": a.clientID, "sub": a.clientID, "aud": a.aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	s, err := jws.Sign(c, jws.WithKey(a.alg, a.key, jws.WithProtectedHeaders(a.headers)))
	if err != nil {
		return err
	}
	form.Set("client_id", a.clientID)
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", string(s))
	return nil
}
