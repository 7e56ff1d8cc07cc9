package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	json2 "github.com/go-json-experiment/json"
)

// FuzzStrictJSON feeds arbitrary bytes to the strict decoders (header,
// claims, checkNames): never a panic, and whatever they accept is valid JSON
// whose top-level object has no name twice and no case variant of a
// registered name, with each claim read equal to what encoding/json reads
// under the exact name (the two can only differ when names collide).
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://op.example","sub":"alice","aud":["api","x"],"exp":1795000000.5,"scope":"a b"}`,
		`{"exp":1,"EXP":4102444800}`,
		`{"aud":"a","aud":"b"}`,
		`{"\u0061ud":"a","aud":"b"}`,
		`{"ſub":"x"}`,
		`{"sub":"\ud800"}`,
		`{"aud":["a",null]}`,
		`{"exp":1e400}`,
		`{"exp":-0.0,"nbf":123456789012345678901234567890}`,
		`{"x":[[[[[[[[[[[[[[[[[[[[{"a":1,"a":2}]]]]]]]]]]]]]]]]]]]}`,
		`{"events":{"http://schemas.openid.net/event/backchannel-logout":{}},"nonce":null}`,
		`{"alg":"RS256","crit":["b64"],"b64":false,"kid":"k"}`,
		"{\"sub\":\"\xff\"}",
		`{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h header
		_ = decodeHeader(b, &h)
		namesErr := checkNames(b, registeredNames, false)
		var c claims
		err := decodeClaims(b, &c)
		if err == nil && namesErr != nil {
			t.Fatalf("claims accepted, checkNames refused: %v", namesErr)
		}
		// VerifyInto's one-pass decode agrees with decodeClaims.
		var w intoWrapper[fuzzApp]
		var wc claims
		errW := json2.Unmarshal(b, &w, intoOptions)
		if errW == nil {
			w.fill(&wc)
		}
		if (err == nil) != (errW == nil) && len(b) > 0 && b[0] == '{' {
			t.Fatalf("decodeClaims: %v, VerifyInto's decode: %v", err, errW)
		}
		if err == nil && errW == nil && !reflect.DeepEqual(normal(c), normal(wc)) {
			t.Fatalf("decodeClaims read %+v, VerifyInto's decode %+v", c, wc)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refusal %v does not match ErrInvalid", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		names := topLevelNames(t, b)
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("accepted %q twice in %q", n, b)
			}
			seen[n] = true
			if caseVariant(n, registeredNames) {
				t.Fatalf("accepted the case variant %q in %q", n, b)
			}
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("encoding/json refuses what was accepted: %v", err)
		}
		for name, got := range map[string]string{"iss": c.Iss, "sub": c.Sub, "jti": c.Jti, "nonce": c.Nonce, "sid": c.Sid} {
			var want string
			if raw, ok := m[name]; ok {
				_ = json.Unmarshal(raw, &want)
			}
			if got != want {
				t.Fatalf("%s read as %q, encoding/json reads %q", name, got, want)
			}
		}
	})
}

// fuzzApp is an application claims type for VerifyInto's decode: any value
// fits it, so only the registered claims can make the decode fail.
type fuzzApp struct {
	Extra any `json:"extra"`
	Other any `json:"other"`
}

// normal makes empty and nil slices compare equal.
func normal(c claims) claims {
	if len(c.Aud) == 0 {
		c.Aud = nil
	}
	if len(c.Scp) == 0 {
		c.Scp = nil
	}
	if len(c.Events) == 0 {
		c.Events = nil
	}
	return c
}

// TestVariantCatchersCoverRegistered: every registered name has its catcher
// in VerifyInto's wrapper, and the wrapper decodes at all.
func TestVariantCatchersCoverRegistered(t *testing.T) {
	ty := reflect.TypeFor[variantCatchers]()
	have := map[string]bool{}
	for i := 1; i < ty.NumField(); i++ { // 0 is Exact
		name, opts, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		if opts != "case:ignore" {
			t.Errorf("%s: options %q", name, opts)
		}
		have[name] = true
	}
	for _, n := range registeredNames {
		if !have[strings.ToUpper(n)] {
			t.Errorf("no catcher for %q", n)
		}
	}
	ex := reflect.TypeFor[exactNames]()
	if len(have) != len(registeredNames) || ex.NumField() != len(registeredNames) {
		t.Errorf("%d catchers and %d exact names for %d names", len(have), ex.NumField(), len(registeredNames))
	}
	var w intoWrapper[fuzzApp]
	if err := json2.Unmarshal([]byte(`{"iss":"i","extra":[1],"tid":"t"}`), &w, intoOptions); err != nil || w.Iss != "i" || w.Tid != "t" || w.App.Extra == nil {
		t.Fatalf("%v %+v", err, w)
	}
}

// topLevelNames lists the member names of the object b, unescaped, with
// encoding/json's tokenizer.
func topLevelNames(t *testing.T, b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var names []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return names
}

// TestStrictJSONFolding pins the folding the case-variant check relies on:
// strings.EqualFold folds U+017F to "s" and U+212A to "k".
func TestStrictJSONFolding(t *testing.T) {
	for _, n := range []string{"ſub", "\u212aid", "EXP", "Nonce", "AT_HASH"} {
		if !caseVariant(n, registeredNames) {
			t.Errorf("%q is not seen as a case variant", n)
		}
	}
	for _, n := range []string{"sub", "email", "subject", "ex", strings.Repeat("s", 100)} {
		if caseVariant(n, registeredNames) {
			t.Errorf("%q is seen as a case variant", n)
		}
	}
}

// TestIntoWrapperReadsWhatVerifyReads: every claim name claims.member reads
// (its case clauses in decode.go) has a field in intoWrapper, so VerifyInto
// never skips a claim that Verify acts on (cnf, say).
func TestIntoWrapperReadsWhatVerifyReads(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "decode.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "member" || fn.Recv == nil || types(fn) != "claims" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok {
						name, _ := strconv.Unquote(lit.Value)
						read = append(read, name)
					}
				}
			}
			return true
		})
		return false
	})
	if len(read) < 15 {
		t.Fatalf("found only %v in claims.member", read)
	}
	for _, name := range read {
		if !wrapperReads[name] {
			t.Errorf("claims.member reads %q, intoWrapper does not", name)
		}
	}
}

// types names the receiver type of a method declaration.
func types(fn *ast.FuncDecl) string {
	if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}
