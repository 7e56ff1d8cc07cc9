package verify

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"
)

// variantCatchers has one field per registered name, matched without case
// (Unicode folding, delimiters exact): embedded in the VerifyInto wrapper
// beside the exact-name fields, it turns a case variant of a registered name
// ("Exp", "ſub") into errCaseVariant, as skipMember does for Verify. The
// exact names themselves land one level deeper, in exactNames, unless the
// wrapper (depth 0) or the application's type (depth 1) reads them. Its
// field list must follow registeredNames (TestVariantCatchersCoverRegistered).
type variantCatchers struct {
	Exact     exactNames      `json:",embed"`
	VIss      caseVariantHook `json:"ISS,case:ignore"`
	VSub      caseVariantHook `json:"SUB,case:ignore"`
	VAud      caseVariantHook `json:"AUD,case:ignore"`
	VExp      caseVariantHook `json:"EXP,case:ignore"`
	VNbf      caseVariantHook `json:"NBF,case:ignore"`
	VIat      caseVariantHook `json:"IAT,case:ignore"`
	VJti      caseVariantHook `json:"JTI,case:ignore"`
	VNonce    caseVariantHook `json:"NONCE,case:ignore"`
	VAzp      caseVariantHook `json:"AZP,case:ignore"`
	VAtHash   caseVariantHook `json:"AT_HASH,case:ignore"`
	VEvents   caseVariantHook `json:"EVENTS,case:ignore"`
	VSid      caseVariantHook `json:"SID,case:ignore"`
	VTyp      caseVariantHook `json:"TYP,case:ignore"`
	VAlg      caseVariantHook `json:"ALG,case:ignore"`
	VKid      caseVariantHook `json:"KID,case:ignore"`
	VCrit     caseVariantHook `json:"CRIT,case:ignore"`
	VB64      caseVariantHook `json:"B64,case:ignore"`
	VEnc      caseVariantHook `json:"ENC,case:ignore"`
	VCnf      caseVariantHook `json:"CNF,case:ignore"`
	VScope    caseVariantHook `json:"SCOPE,case:ignore"`
	VScp      caseVariantHook `json:"SCP,case:ignore"`
	VTid      caseVariantHook `json:"TID,case:ignore"`
	VClientId caseVariantHook `json:"CLIENT_ID,case:ignore"`
	VCty      caseVariantHook `json:"CTY,case:ignore"`
	VJku      caseVariantHook `json:"JKU,case:ignore"`
	VJwk      caseVariantHook `json:"JWK,case:ignore"`
	VX5u      caseVariantHook `json:"X5U,case:ignore"`
	VX5c      caseVariantHook `json:"X5C,case:ignore"`
	VAuthTime caseVariantHook `json:"AUTH_TIME,case:ignore"`
}

// exactNames skips the registered names nobody shallower reads.
type exactNames struct {
	EIss      skipHook `json:"iss"`
	ESub      skipHook `json:"sub"`
	EAud      skipHook `json:"aud"`
	EExp      skipHook `json:"exp"`
	ENbf      skipHook `json:"nbf"`
	EIat      skipHook `json:"iat"`
	EJti      skipHook `json:"jti"`
	ENonce    skipHook `json:"nonce"`
	EAzp      skipHook `json:"azp"`
	EAtHash   skipHook `json:"at_hash"`
	EEvents   skipHook `json:"events"`
	ESid      skipHook `json:"sid"`
	ETyp      skipHook `json:"typ"`
	EAlg      skipHook `json:"alg"`
	EKid      skipHook `json:"kid"`
	ECrit     skipHook `json:"crit"`
	EB64      skipHook `json:"b64"`
	EEnc      skipHook `json:"enc"`
	ECnf      skipHook `json:"cnf"`
	EScope    skipHook `json:"scope"`
	EScp      skipHook `json:"scp"`
	ETid      skipHook `json:"tid"`
	EClientId skipHook `json:"client_id"`
	ECty      skipHook `json:"cty"`
	EJku      skipHook `json:"jku"`
	EJwk      skipHook `json:"jwk"`
	EX5u      skipHook `json:"x5u"`
	EX5c      skipHook `json:"x5c"`
	EAuthTime skipHook `json:"auth_time"`
}

// skipHook skips the value.
type skipHook struct{}

// UnmarshalJSONFrom skips the value.
func (*skipHook) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return dec.SkipValue() }

// caseVariantHook refuses whatever value it is given.
type caseVariantHook struct{}

// UnmarshalJSONFrom refuses the member: its name is a case variant.
func (*caseVariantHook) UnmarshalJSONFrom(*jsontext.Decoder) error { return errCaseVariant }

// The hooks below read one registered claim with the rules of claims.member.
type (
	hString string
	hNumber float64
	hAud    strList
	hScp    strList
	hOpt    struct { // scope and nonce: presence matters
		set bool
		s   string
	}
	hRaw []byte // events, kept as it came
	hCnf Confirmation
)

// UnmarshalJSONFrom reads cnf (readCnf).
func (h *hCnf) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readCnf(dec, (*Confirmation)(h))
}

// UnmarshalJSONFrom reads a string claim (readString).
func (h *hString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	s := string(*h)
	err := readString(dec, &s)
	*h = hString(s)
	return err
}

// UnmarshalJSONFrom reads a NumericDate (readNumber).
func (h *hNumber) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readNumber(dec, (*float64)(h))
}

// UnmarshalJSONFrom reads aud (readStrList, null refused).
func (h *hAud) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readStrList(dec, (*strList)(h), false)
}

// UnmarshalJSONFrom reads scp (readStrList, null as absent).
func (h *hScp) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readStrList(dec, (*strList)(h), true)
}

// UnmarshalJSONFrom reads scope or nonce and notes that it was present.
func (h *hOpt) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	h.set = true
	return readString(dec, &h.s)
}

// UnmarshalJSONFrom keeps the value as it came.
func (h *hRaw) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	*h = bytes.Clone(v)
	return err
}
