package verify

import (
	"encoding/json"
	"testing"
)

// v1Header and v1Claims are the decoding Gatehouse used before the strict
// decoder (encoding/json, names matched without case, the last duplicate
// winning), kept only so BenchmarkDecode compares the two in one run.
type v1Header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Enc  string          `json:"enc"`
	Crit json.RawMessage `json:"crit"`
	B64  *bool           `json:"b64"`
}

type v1Claims struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Exp      float64         `json:"exp"`
	Nbf      float64         `json:"nbf"`
	Iat      float64         `json:"iat"`
	Jti      string          `json:"jti"`
	Scope    *string         `json:"scope"`
	Scp      json.RawMessage `json:"scp"`
	ClientID string          `json:"client_id"`
	Azp      string          `json:"azp"`
	Nonce    string          `json:"nonce"`
	AtHash   string          `json:"at_hash"`
	Sid      string          `json:"sid"`
	Events   json.RawMessage `json:"events"`
}

// BenchmarkDecode decodes the header and claims of a typical access token
// (the examples/bench claims) with the strict decoder and with the former
// encoding/json path (aud kept raw there, so its figure is a lower bound).
func BenchmarkDecode(b *testing.B) {
	hdr := []byte(`{"alg":"RS256","kid":"k-20261127","typ":"at+jwt"}`)
	pl := []byte(`{"aud":"api","exp":1795000000,"iat":1794990000,"iss":"http://127.0.0.1:41234","jti":"0123456789abcdef","nbf":1794990000,"scope":"read write","sub":"alice","client_id":"app"}`)
	b.Run("strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h header
			var c claims
			if decodeHeader(hdr, &h) != nil || decodeClaims(pl, &c) != nil {
				b.Fatal("decode")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h v1Header
			var c v1Claims
			if json.Unmarshal(hdr, &h) != nil || json.Unmarshal(pl, &c) != nil {
				b.Fatal("decode")
			}
		}
	})
}
