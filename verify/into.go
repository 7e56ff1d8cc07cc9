package verify

import (
	"context"
	"encoding"
	stdjson "encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// errAppClaims is a token whose claims do not decode into the caller's type.
var errAppClaims = invalid("claims_type", "claims do not fit the application's claims type")

// VerifyInto is Verify that also decodes the token's claims into a new T,
// the application's own claims type, in the same pass over the payload: the
// registered claims and T's fields are read by one strict decode (the rules
// of Verify and Token.Claims: exact names, duplicates and case variants of
// registered names refused). A token whose claims do not fit T (a string
// where T has a number, say) is refused with an error matching ErrInvalid.
// On a verified-token cache hit T is decoded from the cached claims, once.
//
// T is usually a struct of the claims the application reads (tenant, roles,
// email); a string field named exactly like a string claim Verify reads
// (tid, sub, iss, jti, sid, azp, client_id, at_hash) is filled too. When T
// is not a struct, or declares a field whose JSON name is a case variant of
// a registered claim name ("Sub") or a registered claim of another kind
// ("exp", "aud"), or has a field taking unknown members, or decodes itself, VerifyInto verifies first and then decodes T
// (two passes, same result).
func VerifyInto[T any](ctx context.Context, v *Verifier, raw string) (*Token, *T, error) {
	app := new(T)
	plan := oneDecode(reflect.TypeFor[T]())
	if !plan.ok {
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
		plan.copyClaims(reflect.ValueOf(&w.App).Elem(), c)
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
	Tid      hString         `json:"tid"`
	AuthTime hNumber         `json:"auth_time"`
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
		Tid: string(w.Tid), AuthTime: float64(w.AuthTime),
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

// oneDecodePlans caches plans per type.
var oneDecodePlans sync.Map // reflect.Type → *intoPlan

// intoPlan is how T shares the pass: ok, and the fields of T named exactly
// like a string claim the wrapper reads (the wrapper's field shadows
// them, so fill copies the value over).
type intoPlan struct {
	ok     bool
	copies []claimCopy
}

type claimCopy struct {
	index []int  // T's field
	claim string // its registered name
}

// oneDecode returns the plan for T: a struct that does not decode itself,
// whose JSON names do not fold to a registered name (but for exact names:
// a registered claim the wrapper leaves to T, or a string claim it
// copies), with no embedded fallback for unknown members, no pointer
// embedding on the way to a copied field and no options that change how
// names match.
func oneDecode(t reflect.Type) *intoPlan {
	if p, found := oneDecodePlans.Load(t); found {
		return p.(*intoPlan)
	}
	p := &intoPlan{}
	p.ok = t.Kind() == reflect.Struct && !decodesItself(t) && p.fields(t, nil, false)
	oneDecodePlans.Store(t, p)
	return p
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

// stringClaims are the claims the wrapper reads as plain strings.
var stringClaims = map[string]bool{"iss": true, "sub": true, "jti": true, "client_id": true,
	"azp": true, "at_hash": true, "sid": true, "tid": true}

// fields walks t's fields (and embedded structs') as the decoder names
// them; index is the path to t, viaPointer whether it crosses a pointer.
func (p *intoPlan) fields(t reflect.Type, index []int, viaPointer bool) bool {
	if len(index) > 8 {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		at := append(slices.Clip(index), i)
		switch {
		case tag == "-":
			continue
		case strings.Contains(opts, "case:"), strings.HasPrefix(name, "'"):
			return false
		case name == "" && (f.Anonymous || strings.Contains(opts, "embed")):
			// JSON-embedded: a struct's fields join t's; anything else
			// is an embedded fallback that takes every unknown member.
			ft, ptr := f.Type, false
			if ft.Kind() == reflect.Pointer {
				ft, ptr = ft.Elem(), true
			}
			if ft.Kind() != reflect.Struct || !p.fields(ft, at, viaPointer || ptr) {
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
			switch {
			case !strings.EqualFold(name, r):
			case name != r:
				return false // a variant: the catcher would shadow it
			case !wrapperReads[r]:
				// T reads a registered claim the wrapper leaves alone.
			case stringClaims[r] && f.Type.Kind() == reflect.String && !viaPointer &&
				(opts == "" || opts == "omitempty" || opts == "omitzero"):
				p.copies = append(p.copies, claimCopy{index: at, claim: r})
			default:
				return false
			}
		}
	}
	return true
}

// copyClaims sets T's fields named like a string claim from c.
func (p *intoPlan) copyClaims(app reflect.Value, c *claims) {
	for _, cp := range p.copies {
		var v string
		switch cp.claim {
		case "iss":
			v = c.Iss
		case "sub":
			v = c.Sub
		case "jti":
			v = c.Jti
		case "client_id":
			v = c.ClientID
		case "azp":
			v = c.Azp
		case "at_hash":
			v = c.AtHash
		case "sid":
			v = c.Sid
		case "tid":
			v = c.Tid
		}
		app.FieldByIndex(cp.index).SetString(v)
	}
}
