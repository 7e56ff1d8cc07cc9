package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// IssuerTemplate makes a Provider multi-tenant: one discovery document and
// one key set serve many tenants, each signing tokens with its own issuer.
// Microsoft Entra's .../common/v2.0 and .../organizations/v2.0 documents
// publish the issuer "https://login.microsoftonline.com/{tenantid}/v2.0", and
// every token carries its tenant in the "tid" claim.
//
// A token is accepted from such a provider only when its tenant claim is a
// well-formed tenant ID (Valid), is allowed (Allowed), and the template with
// the placeholder replaced by it equals the token's "iss" exactly
// (Microsoft.IdentityModel's rule). The issuer check is never switched off.
type IssuerTemplate struct {
	// Template is the issuer the provider's metadata must publish, exactly,
	// holding Placeholder once: for Entra
	// "https://login.microsoftonline.com/{tenantid}/v2.0". Required. Any
	// other issuer in the metadata fails discovery with ErrMetadata, as
	// does a templated issuer when the application set no template.
	Template string

	// Placeholder is the part of Template the tenant ID replaces. Default
	// "{tenantid}".
	Placeholder string

	// Claim names the token claim holding the tenant ID. Default "tid".
	Claim string

	// Allowed, when not empty, lists the only tenant IDs whose tokens are
	// accepted, compared exactly. Empty accepts every tenant: any
	// organisation with an account at the provider can then sign in, so
	// authorise users by tenant or by user afterwards.
	Allowed []string

	// Valid reports whether a tenant claim is a well-formed tenant ID.
	// Default: a GUID, 8-4-4-4-12 hexadecimal digits (Entra's tenant IDs),
	// so "common", "../x" or an empty claim never builds an issuer.
	Valid func(tenant string) bool
}

// tenants is a checked IssuerTemplate with its defaults filled in.
type tenants struct {
	prefix, suffix string // the template around the placeholder
	claim          string
	allowed        []string
	valid          func(string) bool
}

// newTenants checks t against the metadata's issuer and fills the defaults.
func newTenants(t *IssuerTemplate, mdIssuer string, allowHTTP bool) (*tenants, error) {
	ph, claim := t.Placeholder, t.Claim
	if ph == "" {
		ph = "{tenantid}"
	}
	if claim == "" {
		claim = "tid"
	}
	if strings.Count(t.Template, ph) != 1 {
		return nil, fmt.Errorf("%w: IssuerTemplate.Template %q must hold the placeholder %q once", ErrMetadata, t.Template, ph)
	}
	if mdIssuer != t.Template {
		return nil, fmt.Errorf("%w: issuer %q in the metadata differs from the configured issuer template %q", ErrMetadata, mdIssuer, t.Template)
	}
	// A tenant's issuer must be a URL Gatehouse would accept as an issuer.
	if err := checkURL("issuer template", strings.Replace(t.Template, ph, "00000000-0000-0000-0000-000000000000", 1), allowHTTP); err != nil {
		return nil, err
	}
	for _, a := range t.Allowed {
		if a == "" {
			return nil, fmt.Errorf("%w: IssuerTemplate.Allowed holds an empty tenant", ErrMetadata)
		}
	}
	i := strings.Index(t.Template, ph)
	tn := &tenants{
		prefix: t.Template[:i], suffix: t.Template[i+len(ph):],
		claim: claim, allowed: slices.Clone(t.Allowed), valid: t.Valid,
	}
	if tn.valid == nil {
		tn.valid = isGUID
	}
	return tn, nil
}

var (
	errTenantID     = invalid("tenant", "the tenant claim is not a valid tenant ID")
	errTenant       = invalid("tenant", "the token's tenant is not an allowed tenant")
	errTenantIssuer = invalid("issuer", "iss is not the issuer of the token's tenant")
)

// fits reports whether iss has the template's shape: the template's text
// around one non-empty tenant part.
func (tn *tenants) fits(iss string) bool {
	return len(iss) > len(tn.prefix)+len(tn.suffix) &&
		strings.HasPrefix(iss, tn.prefix) && strings.HasSuffix(iss, tn.suffix)
}

// check accepts a token of this multi-tenant provider: its tenant claim is a
// valid, allowed tenant ID whose issuer is exactly iss.
func (tn *tenants) check(iss string, c *claims, payload []byte) error {
	tid := c.Tid
	if tn.claim != "tid" {
		var err error
		if tid, err = stringClaim(payload, tn.claim); err != nil {
			return err
		}
	}
	switch want, ok := tn.issuerFor(tid); {
	case tid == "" || !tn.valid(tid):
		return errTenantID
	case !ok:
		return errTenant
	case want != iss:
		return errTenantIssuer
	}
	return nil
}

// provider returns the trusted provider of a token: the one whose issuer is
// exactly iss or, failing that, a multi-tenant one whose template fits iss
// and whose tenant checks pass.
func (v *Verifier) provider(c *claims, payload []byte) (*Provider, error) {
	if p, ok := v.issuers[c.Iss]; ok && p.tenants == nil {
		return p, nil
	}
	for _, p := range v.templated {
		if p.tenants.fits(c.Iss) {
			if err := p.tenants.check(c.Iss, c, payload); err != nil {
				return nil, err
			}
			return p, nil
		}
	}
	return nil, errIssuer
}

// stringClaim reads one string claim from an already checked claims object.
func stringClaim(payload []byte, name string) (string, error) {
	var s string
	err := readObject(jsontext.NewDecoder(strings.NewReader(string(payload))), func(dec *jsontext.Decoder, tok jsontext.Token) error {
		if tok.String() == name {
			return readString(dec, &s)
		}
		return dec.SkipValue()
	})
	if err != nil {
		return "", strictError(err, errPayloadJSON)
	}
	return s, nil
}

// isGUID reports whether s is a GUID in its 8-4-4-4-12 hexadecimal form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// issuerFor returns the issuer of tenant, or false when tenant is not a
// valid, allowed tenant ID.
func (tn *tenants) issuerFor(tenant string) (string, bool) {
	if tenant == "" || !tn.valid(tenant) || (len(tn.allowed) > 0 && !slices.Contains(tn.allowed, tenant)) {
		return "", false
	}
	return tn.prefix + tenant + tn.suffix, true
}

// Accepts reports whether iss is an issuer of this provider: exactly its
// issuer or, for a provider with an IssuerTemplate, the issuer of a valid,
// allowed tenant. For the RFC 9207 iss parameter of an authorization
// response, which names the issuer before any token does.
func (p *Provider) Accepts(iss string) bool {
	tn := p.tenants
	if tn == nil {
		return iss == p.md.Issuer || slices.Contains(p.aliases, iss)
	}
	if !tn.fits(iss) {
		return false
	}
	want, ok := tn.issuerFor(iss[len(tn.prefix) : len(iss)-len(tn.suffix)])
	return ok && want == iss
}
