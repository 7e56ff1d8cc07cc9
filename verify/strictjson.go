package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Every JSON document from outside that decides a security question (a JWS
// header, a token's claims, discovery metadata, a key set, a userinfo
// answer) is read with github.com/go-json-experiment/json, the prototype of
// encoding/json/v2 (in Go 1.26 encoding/json/v2 still needs
// GOEXPERIMENT=jsonv2). Its defaults are the rules RFC 7515 §5.2 and RFC 7519
// §7.2 ask for: member names match exactly (RFC 8259 §8.3: case-sensitive,
// no Unicode folding), a duplicate member name fails the whole document,
// and the text must be valid UTF-8. encoding/json instead matches names
// without case and lets the last of two equal names win, so an "EXP" placed
// after the real "exp" would extend an expired token's life.
//
// On top of that, a member whose name is a case variant of a name Gatehouse
// reads ("EXP" or "Exp" for "exp", "ſub" with U+017F for "sub") is refused
// even when the real name is absent: applications often decode the same
// claims again with a case-insensitive decoder, which would read the
// variant as the real claim.

// registeredNames are the header and claim names the verifier reads, and a
// few more that consumers act on (cnf, scp, tid). A token member whose name
// equals one of them under Unicode case folding, but not exactly, is refused.
var registeredNames = []string{
	"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "azp", "at_hash",
	"events", "sid", "typ", "alg", "kid", "crit", "b64", "enc", "cnf", "scope",
	"scp", "tid", "client_id", "cty", "jku", "jwk", "x5u", "x5c", "auth_time",
}

// jwkNames are the JWK and JWK Set member names (RFC 7517, RFC 7518 §6) a
// key set may carry. parseJWKS runs checkNames with them before it reads a
// set: a duplicate name, or a case variant of one of these, anywhere in the
// set fails the fetch (the last good set stays in use).
var jwkNames = []string{
	"keys", "kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256",
	"n", "e", "d", "p", "q", "dp", "dq", "qi", "oth", "r", "t", "crv", "x", "y", "k",
}

// The failures of checkNames, for documents that are not tokens.
var (
	errNameVariant = errors.New("a member name is a case variant of a registered name")
	errNameTwice   = errors.New("a member name appears twice")
	errNotObject   = errors.New("not one JSON object")
)

// The same failures in a token, and its type errors.
var (
	errCaseVariant   = invalid("malformed", errNameVariant.Error())
	errDuplicateName = invalid("malformed", errNameTwice.Error())
	errClaimType     = invalid("malformed", "a header member or claim has the wrong JSON type")
	errAudMember     = invalid("malformed", "aud (or scp) must be a string or an array of strings")
)

// metadataNames are the discovery metadata names Metadata reads.
var metadataNames = func() []string {
	var names []string
	t := reflect.TypeFor[Metadata]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}()

// caseVariant reports whether name equals one of names under Unicode case
// folding without being equal to it.
func caseVariant(name string, names []string) bool {
	for _, n := range names {
		// A letter that folds to an ASCII one takes 1 to 3 bytes in UTF-8
		// (K, U+212A, takes 3), which bounds the lengths worth comparing.
		if len(name) >= len(n) && len(name) <= 3*len(n) && name != n && strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// strictError turns a decoder failure into one of the token rejections: a
// duplicate name and the token's own checks keep their message, anything
// else becomes fallback.
func strictError(err, fallback error) error {
	var ce *checkError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jsontext.ErrDuplicateName):
		return errDuplicateName
	case errors.As(err, &ce):
		return ce
	}
	return fallback
}

// checkNames reads data as one JSON value with the strict decoder (duplicate
// names refused at every depth) and refuses a member name that is a case
// variant of one of names: in the top-level object only, or in every object
// when deep is set.
func checkNames(data []byte, names []string, deep bool) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	if dec.PeekKind() != '{' {
		return errNotObject
	}
	err := walkNames(dec, names, deep, 0)
	if err == nil {
		if _, err2 := dec.ReadToken(); err2 != io.EOF {
			err = errNotObject
		}
	}
	switch {
	case err == nil, err == errNameVariant, err == errNotObject:
		return err
	case errors.Is(err, jsontext.ErrDuplicateName):
		return errNameTwice
	}
	return fmt.Errorf("%w: %w", errNotObject, err)
}

// walkNames consumes one value from dec, checking the names of its objects.
func walkNames(dec *jsontext.Decoder, names []string, deep bool, depth int) error {
	if depth > 0 && !deep {
		return dec.SkipValue()
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '{':
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if caseVariant(name.String(), names) {
				return errNameVariant
			}
			if err := walkNames(dec, names, deep, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.PeekKind() != ']' {
			if err := walkNames(dec, names, deep, depth+1); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.ReadToken() // the closing delimiter
	return err
}

// CheckClaimsJSON returns an error matching ErrInvalid unless data is one JSON
// object, valid UTF-8, in which no object repeats a member name and whose
// members include no case variant (under Unicode case folding: "SUB",
// "ſub") of a claim name Gatehouse reads or of one of extra. Use it on a
// claims document Gatehouse does not decode itself (a userinfo answer)
// before reading it with a decoder that folds case, such as encoding/json.
// Verify applies the same rules to every token it accepts.
func CheckClaimsJSON(data []byte, extra ...string) error {
	names := registeredNames
	if len(extra) > 0 {
		names = append(append([]string(nil), registeredNames...), extra...)
	}
	if err := checkNames(data, names, false); err != nil {
		return fmt.Errorf("%w: claims: %w", ErrInvalid, err)
	}
	return nil
}
