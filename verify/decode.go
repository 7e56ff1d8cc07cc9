package verify

import (
	"bytes"
	"errors"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The JWS header and the registered claims are decoded member by member from
// the strict decoder's tokens (see strictjson.go): the decoder refuses
// duplicate names and invalid UTF-8, these methods refuse case variants of
// registered names and wrong JSON types. Unknown members are skipped without
// being decoded.

// decodeHeader decodes a JWS protected header.
func decodeHeader(b []byte, h *header) error {
	return strictError(json.Unmarshal(b, h), errHeaderJSON)
}

// decodeClaims decodes a token's claims object.
func decodeClaims(b []byte, c *claims) error {
	if len(b) == 0 || b[0] != '{' {
		return errPayloadJSON
	}
	return strictError(json.Unmarshal(b, c), errPayloadJSON)
}

// UnmarshalJSONFrom decodes the header members the verifier reads. crit and
// b64 are only noted as present: no value of either is accepted.
func (h *header) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readObject(dec, h.member)
}

func (h *header) member(dec *jsontext.Decoder, tok jsontext.Token) (err error) {
	switch name := tok.String(); name {
	case "alg":
		err = readString(dec, &h.Alg)
	case "kid":
		err = readString(dec, &h.Kid)
	case "typ":
		err = readString(dec, &h.Typ)
	case "enc":
		err = readString(dec, &h.Enc)
	case "crit":
		h.Crit = true
		err = dec.SkipValue()
	case "b64":
		h.B64 = true
		err = dec.SkipValue()
	default:
		err = skipMember(dec, name)
	}
	return err
}

// UnmarshalJSONFrom decodes the registered claims.
func (c *claims) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readObject(dec, c.member)
}

func (c *claims) member(dec *jsontext.Decoder, tok jsontext.Token) (err error) {
	switch name := tok.String(); name {
	case "iss":
		err = readString(dec, &c.Iss)
	case "sub":
		err = readString(dec, &c.Sub)
	case "aud":
		err = readStrList(dec, &c.Aud, false)
	case "exp":
		err = readNumber(dec, &c.Exp)
	case "nbf":
		err = readNumber(dec, &c.Nbf)
	case "iat":
		err = readNumber(dec, &c.Iat)
	case "jti":
		err = readString(dec, &c.Jti)
	case "scope":
		var s string
		if err = readString(dec, &s); err == nil {
			c.Scope = &s
		}
	case "scp":
		err = readStrList(dec, &c.Scp, true)
	case "client_id":
		err = readString(dec, &c.ClientID)
	case "azp":
		err = readString(dec, &c.Azp)
	case "nonce":
		c.HasNonce = true
		err = readString(dec, &c.Nonce)
	case "at_hash":
		err = readString(dec, &c.AtHash)
	case "sid":
		err = readString(dec, &c.Sid)
	case "cnf":
		err = readCnf(dec, &c.Cnf)
	case "tid":
		err = readString(dec, &c.Tid)
	case "auth_time":
		err = readNumber(dec, &c.AuthTime)
	case "events":
		var v jsontext.Value
		if v, err = dec.ReadValue(); err == nil {
			c.Events = bytes.Clone(v)
		}
	default:
		err = skipMember(dec, name)
	}
	return err
}

// readObject reads one JSON object, handing each member's name token to
// member, which must consume the value (the name token is valid only until
// the next read).
func readObject(dec *jsontext.Decoder, member func(*jsontext.Decoder, jsontext.Token) error) error {
	if err := openObject(dec); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := member(dec, tok); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// errNoObject is openObject's failure; callers report it as their own
// "not a JSON object" rejection.
var errNoObject = errors.New("not a JSON object")

// openObject reads the '{' that must start the value.
func openObject(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return errNoObject
	}
	_, err := dec.ReadToken()
	return err
}

// skipMember skips the value of a member the verifier does not read, unless
// its name is a case variant of a registered one.
func skipMember(dec *jsontext.Decoder, name string) error {
	if caseVariant(name, registeredNames) {
		return errCaseVariant
	}
	return dec.SkipValue()
}

// readString reads a JSON string into dst; null leaves dst as it is (an
// absent claim), any other type is an error.
func readString(dec *jsontext.Decoder, dst *string) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"':
		*dst = tok.String()
	case 'n':
	default:
		return errClaimType
	}
	return nil
}

// readNumber reads a JSON number into dst; null leaves dst as it is. A
// number beyond float64's range is an error.
func readNumber(dec *jsontext.Decoder, dst *float64) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '0':
		f, err := tok.Float()
		if err != nil {
			return errClaimRange
		}
		*dst = f
	case 'n':
	default:
		return errClaimType
	}
	return nil
}

// readStrList reads a string or an array of strings. An array member that
// is not a string (null, a number) is an error, never "". null for the whole
// claim is accepted as absent only when nullOK (scp); aud must be a string or
// an array.
func readStrList(dec *jsontext.Decoder, dst *strList, nullOK bool) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"':
		*dst = strList{tok.String()}
		return nil
	case 'n':
		if nullOK {
			return nil
		}
		return errAudMember
	case '[':
	default:
		return errAudMember
	}
	l := strList{}
	for dec.PeekKind() != ']' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind() != '"' {
			return errAudMember
		}
		l = append(l, tok.String())
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*dst = l
	return nil
}
