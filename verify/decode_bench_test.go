package verify

import (
	"encoding/json"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
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

// benchApp is an application's own claims, as in examples/bench.
type benchApp struct {
	Tenant string   `json:"tid"`
	Roles  []string `json:"roles"`
	Email  string   `json:"email"`
	Name   string   `json:"name"`
}

// BenchmarkDecodeApp decodes a token's claims with the application's own:
// VerifyInto's one pass ("into"), Verify's decode then Token.Claims
// ("claims+Claims"), and floorparse's single encoding/json decode of one
// struct holding iss, aud, exp and the application's claims.
func BenchmarkDecodeApp(b *testing.B) {
	pl := []byte(`{"aud":"api","email":"alice@example.test","exp":1795000000,"iat":1794990000,"iss":"http://127.0.0.1:41234","jti":"0123456789abcdef","name":"Alice Example","nbf":1794990000,"roles":["reader","writer"],"scope":"read write","sub":"alice","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47"}`)
	b.Run("into", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := new(intoWrapper[benchApp])
			var c claims
			if jsonv2.Unmarshal(pl, w, intoOptions) != nil {
				b.Fatal("decode")
			}
			w.fill(&c)
		}
	})
	b.Run("claims+Claims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c claims
			var a benchApp
			if decodeClaims(pl, &c) != nil || jsonv2.Unmarshal(pl, &a) != nil {
				b.Fatal("decode")
			}
		}
	})
	b.Run("floorparse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a struct {
				Iss string `json:"iss"`
				Aud string `json:"aud"`
				Exp int64  `json:"exp"`
				benchApp
			}
			if json.Unmarshal(pl, &a) != nil {
				b.Fatal("decode")
			}
		}
	})
}
