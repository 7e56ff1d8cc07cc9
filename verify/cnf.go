package verify

import (
	"github.com/go-json-experiment/json/jsontext"
)

// Confirmation is a token's "cnf" claim (RFC 7800): the key a
// sender-constrained token is bound to. Both members are empty for a plain
// bearer token. Verify refuses a token whose cnf is not an object, holds an
// empty value, or names a confirmation method other than these two (such as
// "jwk" or "kid"): a token bound to a key Gatehouse cannot check must not
// pass as a bearer token.
type Confirmation struct {
	// JKT is the RFC 7638 SHA-256 thumbprint, base64url, of the key whose
	// DPoP proofs must accompany the token (cnf.jkt, RFC 9449 §6).
	JKT string
	// X5TS256 is the SHA-256 thumbprint, base64url, of the TLS client
	// certificate the token must be presented with (cnf["x5t#S256"],
	// RFC 8705 §3).
	X5TS256 string
}

// Bound reports whether the token is sender-constrained.
func (c Confirmation) Bound() bool { return c.JKT != "" || c.X5TS256 != "" }

var (
	errCnf       = invalid("cnf", "cnf must be an object holding jkt or x5t#S256 strings")
	errCnfMethod = invalid("cnf", "cnf names a confirmation method Gatehouse cannot check")
)

// cnfNames are the confirmation members Gatehouse reads.
var cnfNames = []string{"jkt", "x5t#S256"}

// readCnf decodes a cnf claim; null leaves dst empty.
func readCnf(dec *jsontext.Decoder, dst *Confirmation) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '{':
	default:
		return errCnf
	}
	err := readObject(dec, func(dec *jsontext.Decoder, tok jsontext.Token) error {
		switch name := tok.String(); name {
		case "jkt":
			return readNonEmpty(dec, &dst.JKT)
		case "x5t#S256":
			return readNonEmpty(dec, &dst.X5TS256)
		default:
			if caseVariant(name, cnfNames) {
				return errCaseVariant
			}
			return errCnfMethod
		}
	})
	if err == nil && !dst.Bound() {
		return errCnf
	}
	return err
}

// readNonEmpty reads a JSON string that must not be empty.
func readNonEmpty(dec *jsontext.Decoder, dst *string) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '"' || tok.String() == "" {
		return errCnf
	}
	*dst = tok.String()
	return nil
}
