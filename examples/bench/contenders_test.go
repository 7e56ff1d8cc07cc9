package bench_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	jwtmw "github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/gatehouse-go/gatehouse/verify"
	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

var algs = []string{"RS256", "ES256", "EdDSA"}

// contender verifies one token: signature, iss, aud, exp (and what else
// the library checks by default).
type contender struct {
	name   string
	verify func(alg, raw string) error
}

// fixture is the shared provider, tokens and contenders.
type fixture struct {
	op       *oidctest.Server
	tokens   map[string]string // alg → token
	contends []contender
	// appTokens add the application's claims (appClaims); appContends
	// verify them and decode appClaims (appclaims_test.go).
	appTokens   map[string]string
	appContends []contender
}

var (
	once sync.Once
	fx   *fixture
)

func setup() *fixture {
	once.Do(func() { fx = build() })
	return fx
}

func claims(op *oidctest.Server) map[string]any {
	now := time.Now()
	return map[string]any{"iss": op.Issuer(), "sub": "alice", "aud": "api", "exp": now.Add(24 * time.Hour).Unix(),
		"iat": now.Unix(), "nbf": now.Unix(), "jti": "0123456789abcdef", "scope": "read write"}
}

// sign mints a token for alg with the usual claims, overridden by over.
func (f *fixture) sign(alg string, over map[string]any) string {
	c := claims(f.op)
	for k, v := range over {
		c[k] = v
	}
	return f.op.Sign(oidctest.Token{Alg: alg, Claims: c})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func build() *fixture {
	ctx := context.Background()
	op := oidctest.NewServer()
	f := &fixture{op: op, tokens: map[string]string{}}
	for _, alg := range algs {
		f.tokens[alg] = op.Sign(oidctest.Token{Alg: alg, Claims: claims(op)})
	}
	jwksURL := op.URL + "/jwks"
	resp := must(http.Get(jwksURL))
	jwksJSON := must(io.ReadAll(resp.Body))
	resp.Body.Close()

	// floor: the signature check alone, digest and signature ready (the
	// ES256 r||s already in the ASN.1 form crypto/ecdsa takes).
	type ready struct {
		digest []byte
		input  []byte
		sig    []byte
	}
	prepared := map[string]ready{}
	for alg, raw := range f.tokens {
		d := strings.LastIndexByte(raw, '.')
		sig := must(base64.RawURLEncoding.DecodeString(raw[d+1:]))
		sum := sha256.Sum256([]byte(raw[:d]))
		if alg == "ES256" {
			sig = must(asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])}))
		}
		prepared[alg] = ready{digest: sum[:], input: []byte(raw[:d]), sig: sig}
	}
	rsaPub := op.PublicKey("RS256").(*rsa.PublicKey)
	ecPub := op.PublicKey("ES256").(*ecdsa.PublicKey)
	edPub := op.PublicKey("EdDSA").(ed25519.PublicKey)
	floor := func(alg, _ string) error {
		p := prepared[alg]
		switch alg {
		case "RS256":
			return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, p.digest, p.sig)
		case "ES256":
			if !ecdsa.VerifyASN1(ecPub, p.digest, p.sig) {
				return errors.New("bad signature")
			}
			return nil
		default:
			if !ed25519.Verify(edPub, p.input, p.sig) {
				return errors.New("bad signature")
			}
			return nil
		}
	}
	f.contends = append(f.contends, contender{"floor", floor})
	f.contends = append(f.contends, contender{"floorparse", floorParse(op.Issuer(), rsaPub, ecPub, edPub)})

	// Gatehouse, cold (cache off) and warm (cache on).
	p := must(verify.Discover(ctx, op.URL, nil))
	cold := must(verify.NewVerifier(verify.Config{Audiences: []string{"api"}, CacheSize: -1}, p))
	warm := must(verify.NewVerifier(verify.Config{Audiences: []string{"api"}}, p))
	f.contends = append(f.contends,
		contender{"gatehouse", func(_, raw string) error { _, err := cold.Verify(ctx, raw); return err }},
		contender{"gatehouse-warm", func(_, raw string) error { _, err := warm.Verify(ctx, raw); return err }})

	f.appTokens, f.appContends = appFixture(op, cold, floorParseInto[floorApp](op.Issuer(), rsaPub, ecPub, edPub))

	// golang-jwt/v5 with keyfunc/v3.
	kf := must(keyfunc.NewDefaultCtx(ctx, []string{jwksURL}))
	f.contends = append(f.contends, contender{"golangjwt", func(alg, raw string) error {
		_, err := gjwt.Parse(raw, kf.Keyfunc, gjwt.WithValidMethods([]string{alg}), gjwt.WithIssuer(op.Issuer()),
			gjwt.WithAudience("api"), gjwt.WithExpirationRequired(), gjwt.WithIssuedAt())
		return err
	}})

	// go-jose/v4.
	var joseSet jose.JSONWebKeySet
	if err := json.Unmarshal(jwksJSON, &joseSet); err != nil {
		panic(err)
	}
	f.contends = append(f.contends, contender{"gojose", func(alg, raw string) error {
		tok, err := josejwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		if err != nil {
			return err
		}
		var c josejwt.Claims
		if err := tok.Claims(joseSet, &c); err != nil {
			return err
		}
		return c.ValidateWithLeeway(josejwt.Expected{Issuer: op.Issuer(), AnyAudience: josejwt.Audience{"api"}, Time: time.Now()}, time.Minute)
	}})

	// coreos/go-oidc/v3 (an ID-token verifier; aud = ClientID).
	ks := oidc.NewRemoteKeySet(ctx, jwksURL)
	oidcVerifiers := map[string]*oidc.IDTokenVerifier{}
	for _, alg := range algs {
		oidcVerifiers[alg] = oidc.NewVerifier(op.Issuer(), ks, &oidc.Config{ClientID: "api", SupportedSigningAlgs: []string{alg}})
	}
	f.contends = append(f.contends, contender{"gooidc", func(alg, raw string) error {
		_, err := oidcVerifiers[alg].Verify(ctx, raw)
		return err
	}})

	// auth0/go-jwt-middleware/v2 validator with its caching JWKS provider.
	issuerURL := must(url.Parse(op.Issuer() + "/"))
	cache := jwtmw.NewCachingProvider(issuerURL, time.Hour)
	auth0 := map[string]*validator.Validator{}
	for _, alg := range algs {
		sa := map[string]validator.SignatureAlgorithm{"RS256": validator.RS256, "ES256": validator.ES256, "EdDSA": validator.EdDSA}[alg]
		auth0[alg] = must(validator.New(cache.KeyFunc, sa, op.Issuer(), []string{"api"}, validator.WithAllowedClockSkew(time.Minute)))
	}
	f.contends = append(f.contends, contender{"auth0", func(alg, raw string) error {
		_, err := auth0[alg].ValidateToken(ctx, raw)
		return err
	}})

	// Plain jwx/v3 jwt.Parse with a key set.
	jwxSet := must(jwk.Parse(jwksJSON))
	f.contends = append(f.contends, contender{"jwx", func(_, raw string) error {
		_, err := jwxjwt.Parse([]byte(raw), jwxjwt.WithKeySet(jwxSet), jwxjwt.WithValidate(true),
			jwxjwt.WithIssuer(op.Issuer()), jwxjwt.WithAudience("api"))
		return err
	}})
	return f
}

// floorParse is a minimal hand-written verifier: split, base64url, the
// header and claims JSON, hash, signature, exp/iss/aud.
func floorParse(iss string, rsaPub *rsa.PublicKey, ecPub *ecdsa.PublicKey, edPub ed25519.PublicKey) func(alg, raw string) error {
	return floorParseInto[floorClaims](iss, rsaPub, ecPub, edPub)
}

// floorClaims are the claims floorparse reads.
type floorClaims struct {
	Iss string `json:"iss"`
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
}

func (c *floorClaims) registered() *floorClaims { return c }

// floorParseInto is floorparse decoding the claims into a C (floorClaims,
// or a struct that embeds it and adds the application's claims) once.
func floorParseInto[C any, P interface {
	*C
	registered() *floorClaims
}](iss string, rsaPub *rsa.PublicKey, ecPub *ecdsa.PublicKey, edPub ed25519.PublicKey) func(alg, raw string) error {
	type header struct{ Alg, Kid string }
	return func(_, raw string) error {
		d1 := strings.IndexByte(raw, '.')
		d2 := strings.LastIndexByte(raw, '.')
		hb, err := base64.RawURLEncoding.DecodeString(raw[:d1])
		if err != nil {
			return err
		}
		var h header
		if err := json.Unmarshal(hb, &h); err != nil {
			return err
		}
		pb, err := base64.RawURLEncoding.DecodeString(raw[d1+1 : d2])
		if err != nil {
			return err
		}
		var all C
		if err := json.Unmarshal(pb, &all); err != nil {
			return err
		}
		c := P(&all).registered()
		sig, err := base64.RawURLEncoding.DecodeString(raw[d2+1:])
		if err != nil {
			return err
		}
		switch h.Alg {
		case "RS256":
			sum := sha256.Sum256([]byte(raw[:d2]))
			err = rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, sum[:], sig)
		case "ES256":
			sum := sha256.Sum256([]byte(raw[:d2]))
			if len(sig) != 64 || !ecdsa.Verify(ecPub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				err = errors.New("bad signature")
			}
		case "EdDSA":
			if !ed25519.Verify(edPub, []byte(raw[:d2]), sig) {
				err = errors.New("bad signature")
			}
		default:
			err = errors.New("alg")
		}
		if err != nil {
			return err
		}
		if c.Iss != iss || c.Aud != "api" || time.Now().Unix() > c.Exp {
			return errors.New("claims")
		}
		return nil
	}
}
