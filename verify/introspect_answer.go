package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The media types of introspection answers: RFC 7662 JSON and RFC 9701
// signed JWTs.
const (
	mediaJSON             = "application/json"
	mediaIntrospectionJWT = "application/token-introspection+jwt"
)

// ask POSTs raw to the introspection endpoint and returns the answer as a
// JSON object: the body, or the verified token_introspection member of a
// JWT answer. Every failure matches ErrUnavailable: the token could not be
// judged.
func (in *Introspector) ask(ctx context.Context, raw string) ([]byte, error) {
	form := url.Values{"token": {raw}, "token_type_hint": {"access_token"}}
	switch {
	case in.key.Signer != nil:
		a, err := in.key.Assertion(in.clientID, in.assertionAud, time.Now())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		form.Set("client_id", in.clientID)
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", a)
	case in.post:
		form.Set("client_id", in.clientID)
		form.Set("client_secret", in.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: bad introspection endpoint URL", ErrUnavailable)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if in.requireJWT {
		req.Header.Set("Accept", mediaIntrospectionJWT)
	} else {
		req.Header.Set("Accept", mediaJSON)
	}
	if !in.post {
		// RFC 6749 §2.3.1: each part is form-encoded before base64.
		req.SetBasicAuth(url.QueryEscape(in.clientID), url.QueryEscape(in.clientSecret))
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: token introspection: %w", ErrUnavailable, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIntrospectionResponse+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: reading the introspection answer: %w", ErrUnavailable, err)
	case resp.StatusCode != http.StatusOK:
		// Never the body: it is the server's, and may echo credentials.
		return nil, fmt.Errorf("%w: the introspection endpoint answered %d", ErrUnavailable, resp.StatusCode)
	case len(body) > maxIntrospectionResponse:
		return nil, fmt.Errorf("%w: the introspection answer is larger than %d bytes", ErrUnavailable, maxIntrospectionResponse)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case mt == mediaIntrospectionJWT:
		return in.openJWT(ctx, body)
	case in.requireJWT:
		return nil, fmt.Errorf("%w: the introspection answer is %q, not a signed JWT", ErrUnavailable, mt)
	case mt != mediaJSON:
		return nil, fmt.Errorf("%w: the introspection answer is %q, not JSON", ErrUnavailable, mt)
	}
	return body, nil
}

// openJWT verifies an RFC 9701 answer, a JWT signed by the provider: typ
// token-introspection+jwt, an algorithm of the allowlist, a key of the
// provider's key set, iss the provider, aud this client, iat present and not
// in the future, exp (optional) not past. It returns the token_introspection
// object.
func (in *Introspector) openJWT(ctx context.Context, body []byte) ([]byte, error) {
	t, _, _, err := in.jwt.verifySigned(ctx, string(bytes.TrimSpace(body)), decodeClaims)
	if err == nil {
		switch {
		case t.IssuedAt.IsZero():
			err = errNoIat
		case !t.Expiry.IsZero():
			err = in.jwt.checkTimes(t)
		default:
			err = in.jwt.checkNotBefore(t, in.jwt.now())
		}
	}
	if err == nil && !containsAny(t.Audience, in.jwt.audiences) {
		err = errAudience
	}
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: the introspection answer JWT was refused: %v", ErrUnavailable, err)
	}
	var m jwtAnswer
	if err := json.Unmarshal(t.payload, &m); err != nil || m.introspection == nil {
		return nil, fmt.Errorf("%w: the introspection answer JWT holds no token_introspection object", ErrUnavailable)
	}
	return m.introspection, nil
}

// jwtAnswer is the payload of an RFC 9701 answer; only token_introspection
// is read (the registered claims were checked by verifySigned).
type jwtAnswer struct{ introspection []byte }

func (a *jwtAnswer) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		if tok.String() != "token_introspection" {
			return dec.SkipValue()
		}
		if dec.PeekKind() != '{' {
			return errNoObject
		}
		v, err := dec.ReadValue()
		a.introspection = bytes.Clone(v)
		return err
	})
}

// introspection is an RFC 7662 answer: the members read besides the
// registered claims.
type introspection struct {
	active              bool
	tokenType, tokenUse string
	c                   claims
}

// introspectionNames are the answer members read here; a case variant of one
// of them (or of a registered claim name) refuses the answer.
var introspectionNames = []string{"active", "token_type", "token_use", "username"}

// decodeIntrospection decodes an answer with the strict decoder: duplicate
// names, case variants and wrong JSON types are refused.
func decodeIntrospection(b []byte, r *introspection) error {
	if len(b) == 0 || b[0] != '{' {
		return errNoObject
	}
	return strictError(json.Unmarshal(b, r), errNoObject)
}

func (r *introspection) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readObject(dec, r.member)
}

func (r *introspection) member(dec *jsontext.Decoder, tok jsontext.Token) error {
	switch name := tok.String(); name {
	case "active":
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind() != 't' && tok.Kind() != 'f' {
			return errClaimType
		}
		r.active = tok.Bool()
		return nil
	case "token_type":
		return readString(dec, &r.tokenType)
	case "token_use":
		return readString(dec, &r.tokenUse)
	default:
		if caseVariant(name, introspectionNames) {
			return errCaseVariant
		}
		return r.c.member(dec, tok)
	}
}

// isAccessTokenType reports whether an answer's token_type names an access
// token type (RFC 6749 §7.1): Bearer, or DPoP (RFC 9449).
func isAccessTokenType(tt string) bool {
	return strings.EqualFold(tt, "Bearer") || strings.EqualFold(tt, "DPoP")
}
