package verify

import (
	"context"
	"encoding"
	stdjson "encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// errAppClaims is a token whose claims do not decode into the caller's type.
var errAppClaims = invalid("claims do not fit the application's claims type")

// VerifyInto is Verify that also decodes the token's claims into a new T,
// the application's own claims type, in the same pass over the payload: the
// registered claims and T's fields are read by one strict decode (the rules
// of Verify and Token.Claims: exact names, duplicates and case variants of
// registered names refused). A token whose claims do not fit T (a string
// where T has a number, say) is refused with an error matching ErrInvalid.
// On a verified-token cache hit T is decoded from the cached claims, once.
//
// T is usually a struct of the claims the application reads (tenant, roles,
// email). When T is not a struct, or declares a field whose JSON name is a
// registered claim name in any case ("sub", "exp"), or has a field taking
// unknown members, or decodes itself, VerifyInto verifies first and then decodes T
// (two passes, same result).
func VerifyInto[T any](ctx context.Context, v *Verifier, raw string) (*Token, *T, error) {
	app := new(T)
	if !oneDecode(reflect.TypeFor[T]()) {
		t, err := v.Verify(ctx, raw)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(t.payload, app); err != nil {
			return nil, nil, errAppClaims
		}
		return t, app, nil
	}
	decoded := false
	t, err := v.verifyAccess(ctx, raw, func(payload []byte, c *claims) error {
		if len(payload) == 0 || payload[0] != '{' {
			return errPayloadJSON
		}
		w := new(intoWrapper[T])
		if err := json.Unmarshal(payload, w, intoOptions); err != nil {
			var se *jsontext.SyntacticError
			if errors.As(err, &se) {
				return strictError(err, errPayloadJSON)
			}
			return strictError(err, errAppClaims)
		}
		w.fill(c)
		*app, decoded = w.App, true
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if !decoded { // a cache hit: the claims were checked when it was stored
		if err := json.Unmarshal(t.payload, app); err != nil {
			return nil, nil, errAppClaims
		}
	}
	return t, app, nil
}

// intoOptions keep case-insensitive matching (only the variant catchers use
// it) to Unicode case folding: "athash" is not a variant of "at_hash".
var intoOptions = jsonv1.MatchCaseSensitiveDelimiter(true)

// intoWrapper decodes the registered claims beside T's fields in one pass.
// It must read every claim claims.member reads
// (TestIntoWrapperReadsWhatVerifyReads).
type intoWrapper[T any] struct {
	App      T               `json:",embed"`
	Iss      hString         `json:"iss"`
	Sub      hString         `json:"sub"`
	Aud      hAud            `json:"aud"`
	Exp      hNumber         `json:"exp"`
	Nbf      hNumber         `json:"nbf"`
	Iat      hNumber         `json:"iat"`
	Jti      hString         `json:"jti"`
	Scope    hOpt            `json:"scope"`
	Scp      hScp            `json:"scp"`
	ClientID hString         `json:"client_id"`
	Azp      hString         `json:"azp"`
	Nonce    hOpt            `json:"nonce"`
	AtHash   hString         `json:"at_hash"`
	Sid      hString         `json:"sid"`
	Cnf      hCnf            `json:"cnf"`
	Events   hRaw            `json:"events"`
	Variants variantCatchers `json:",embed"`
}

// fill copies the registered claims into c.
func (w *intoWrapper[T]) fill(c *claims) {
	*c = claims{
		Iss: string(w.Iss), Sub: string(w.Sub), Aud: strList(w.Aud), Exp: float64(w.Exp),
		Nbf: float64(w.Nbf), Iat: float64(w.Iat), Jti: string(w.Jti), Scp: strList(w.Scp),
		ClientID: string(w.ClientID), Azp: string(w.Azp), Nonce: w.Nonce.s, HasNonce: w.Nonce.set,
		AtHash: string(w.AtHash), Sid: string(w.Sid), Cnf: Confirmation(w.Cnf), Events: w.Events,
	}
	if w.Scope.set {
		c.Scope = &w.Scope.s
	}
}

// wrapperReads are the claim names intoWrapper reads itself.
var wrapperReads = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[intoWrapper[struct{}]]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" {
			m[name] = true
		}
	}
	return m
}()

// oneDecodePlans caches oneDecode's answer per type.
var oneDecodePlans sync.Map // reflect.Type → bool

// oneDecode reports whether T can be decoded beside the registered claims
// in one pass: a struct that does not decode itself, whose JSON names do
// not fold to a registered name (but for an exact tid or cnf, which the
// wrapper leaves to T), with no embedded fallback for unknown members and
// no options that change how names match.
func oneDecode(t reflect.Type) bool {
	if ok, found := oneDecodePlans.Load(t); found {
		return ok.(bool)
	}
	ok := t.Kind() == reflect.Struct && !decodesItself(t) && plainFields(t, 0)
	oneDecodePlans.Store(t, ok)
	return ok
}

func decodesItself(t reflect.Type) bool {
	for _, i := range []reflect.Type{
		reflect.TypeFor[json.UnmarshalerFrom](), reflect.TypeFor[json.Unmarshaler](),
		reflect.TypeFor[stdjson.Unmarshaler](), reflect.TypeFor[encoding.TextUnmarshaler](),
	} {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

// plainFields walks t's fields (and embedded structs') as the decoder names
// them; see oneDecode.
func plainFields(t reflect.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
			continue
		case strings.Contains(opts, "case:"), strings.HasPrefix(name, "'"):
			return false
		case name == "" && (f.Anonymous || strings.Contains(opts, "embed")):
			// JSON-embedded: a struct's fields join t's; anything else
			// is an embedded fallback that takes every unknown member.
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() != reflect.Struct || !plainFields(ft, depth+1) {
				return false
			}
			continue
		}
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		if name == "" || !hasTag {
			name = f.Name
		}
		for _, r := range registeredNames {
			// T may read a registered name the wrapper does not (tid,
			// cnf), spelt exactly; any other fold match would be shadowed.
			if strings.EqualFold(name, r) && (name != r || wrapperReads[r]) {
				return false
			}
		}
	}
	return true
}
