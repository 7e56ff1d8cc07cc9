package verify

import (
	"encoding/json"
	"testing"
)

// FuzzIntrospectionAnswer feeds arbitrary bytes to the introspection answer
// decoder: never a panic, and what it accepts is one valid JSON object whose
// "active", when read as true, is the JSON literal true under that exact
// name (encoding/json, which folds case, agrees whenever no case variant is
// present, and the decoder refuses those).
func FuzzIntrospectionAnswer(f *testing.F) {
	for _, s := range []string{
		`{"active":true,"token_type":"Bearer","aud":"api","exp":4102444800,"scope":"a b","client_id":"c"}`,
		`{"active":false}`,
		`{"active":false,"active":true}`,
		`{"ACTIVE":true}`,
		`{"active":"true"}`,
		`{"active":true,"token_use":"refresh_token"}`,
		`{"active":true,"aud":[null]}`,
		`[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r introspection
		if decodeIntrospection(data, &r) != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted a non-object %q", data)
		}
		if r.active && m["active"] != true {
			t.Fatalf("active read as true from %q", data)
		}
	})
}
