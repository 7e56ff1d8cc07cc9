package oidctest

import "strings"

// DefaultTenant is the tenant of users without a "tid" of their own when
// Behavior.MultiTenant is on: a GUID, as Entra's tenant IDs are.
const DefaultTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// IssuerTemplate returns the issuer the metadata publish when
// Behavior.MultiTenant is on: URL + "/{tenantid}/v2.0", Entra's shape.
func (s *Server) IssuerTemplate() string { return s.URL + "/{tenantid}/v2.0" }

// TenantIssuer returns the issuer of tenant's tokens when
// Behavior.MultiTenant is on: IssuerTemplate with tenant in place of
// "{tenantid}".
func (s *Server) TenantIssuer(tenant string) string {
	return strings.Replace(s.IssuerTemplate(), "{tenantid}", tenant, 1)
}

// tenantClaims sets the tenant's iss and tid on the claims of a token about
// user, when the server is multi-tenant.
func (s *Server) tenantClaims(c map[string]any, user string, b Behavior) {
	if !b.MultiTenant {
		return
	}
	tid := DefaultTenant
	if user != "" {
		if t, ok := s.userClaims(user)["tid"].(string); ok && t != "" {
			tid = t
		}
	}
	c["iss"], c["tid"] = s.TenantIssuer(tid), tid
}
