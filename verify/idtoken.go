package verify

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"slices"
)

// VerifyIDToken checks an OpenID Connect ID token (Core §3.1.3.7) for this
// client: every check of Verify except the access-token audience, then alg
// is one the provider advertises for ID tokens (Config.IDTokenAlgorithms), aud
// contains Config.ClientID; azp, when present or when there are several
// audiences, equals ClientID; iat and sub are present; nonce equals the one
// sent with the login request (compared in constant time). A refresh may
// return an ID token without a nonce: pass nonce "" to accept exactly that
// (a token carrying a nonce is then refused).
func (v *Verifier) VerifyIDToken(ctx context.Context, raw, nonce string) (*Token, error) {
	if v.clientID == "" {
		return nil, errors.New("verify: VerifyIDToken needs Config.ClientID")
	}
	t, _, _, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkIDClaims(t); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(t.c.Nonce), []byte(nonce)) != 1 {
		return nil, errNonce
	}
	return t, nil
}

// checkIDClaims is Core §3.1.3.7 steps 3–5, 7 (the alg the provider
// advertises for ID tokens), 10 and sub.
func (v *Verifier) checkIDClaims(t *Token) error {
	switch {
	case v.checkIDAlg(t) != nil:
		return errIDTokenAlg
	case !slices.Contains(t.Audience, v.clientID):
		return errAudience
	case (t.c.Azp != "" || len(t.Audience) > 1) && t.c.Azp != v.clientID:
		return errAzp
	case t.IssuedAt.IsZero():
		return errNoIat
	case t.Subject == "":
		return errNoSub
	}
	return nil
}

// CheckAccessTokenHash checks the ID token's at_hash against the access token
// issued with it (Core §3.1.3.8, §3.2.2.9): the left half of the hash that
// the token's alg uses, base64url. A token without at_hash passes.
func (t *Token) CheckAccessTokenHash(accessToken string) error {
	if t.c == nil || t.c.AtHash == "" {
		return nil
	}
	var h hash.Hash
	switch t.Algorithm {
	case "RS256", "PS256", "ES256", "HS256":
		h = sha256.New()
	case "RS384", "PS384", "ES384", "HS384":
		h = sha512.New384()
	case "RS512", "PS512", "ES512", "HS512", "EdDSA", "Ed25519":
		h = sha512.New()
	default:
		return errAtHash
	}
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	want := base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	if subtle.ConstantTimeCompare([]byte(want), []byte(t.c.AtHash)) != 1 {
		return errAtHash
	}
	return nil
}

// Nonce returns the token's nonce claim ("" when absent).
func (t *Token) Nonce() string {
	if t.c == nil {
		return ""
	}
	return t.c.Nonce
}

// VerifyRefreshedIDToken checks an ID token returned by a refresh (OpenID
// Connect Core §12.2): every check of VerifyIDToken except the nonce, which
// a provider may repeat or omit, and its sub must equal subject, the one of
// the session being refreshed (its iss is already bound to a trusted issuer).
func (v *Verifier) VerifyRefreshedIDToken(ctx context.Context, raw, subject string) (*Token, error) {
	if v.clientID == "" {
		return nil, errors.New("verify: VerifyRefreshedIDToken needs Config.ClientID")
	}
	t, _, _, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkIDClaims(t); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(t.Subject), []byte(subject)) != 1 {
		return nil, errSubChanged
	}
	return t, nil
}
