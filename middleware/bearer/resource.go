package bearer

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-go/gatehouse/verify"
)

// wellKnownResource is the well-known path of RFC 9728 metadata.
const wellKnownResource = "/.well-known/oauth-protected-resource"

// ProtectedResource describes an API for OAuth 2.0 Protected Resource
// Metadata (RFC 9728), so that a client refused with 401 can find out where
// to get a token for it. Set it as Config.Resource.
type ProtectedResource struct {
	// Resource is the API's resource identifier: an https URL (http only
	// for a loopback host) without query or fragment. It is usually the
	// audience its tokens carry, and the RFC 8707 "resource" clients ask
	// tokens for. Required.
	Resource string

	// AuthorizationServers are the issuer identifiers of the authorization
	// servers whose tokens the API accepts (RFC 8414 metadata is found
	// from them).
	AuthorizationServers []string

	// ScopesSupported are the scopes the API understands. Default: the
	// Config's Scopes.
	ScopesSupported []string

	// ResourceName is a human-readable name of the API; ResourceDocumentation
	// the URL of its documentation for developers. Both optional.
	ResourceName, ResourceDocumentation string
}

// ProtectedResourceMetadata returns the handler serving the RFC 9728
// metadata of the API c protects (c.Resource must be set), and the path to
// serve it at: /.well-known/oauth-protected-resource, followed by the
// resource identifier's path when it has one (RFC 9728 §3.1).
//
//	path, h, err := bearer.ProtectedResourceMetadata(cfg)
//	mux.Handle("GET "+path, h)
//
// The document holds resource, authorization_servers, scopes_supported,
// bearer_methods_supported (header, and body or query when c allows them),
// resource_name and resource_documentation when set, and, with c.DPoP,
// dpop_signing_alg_values_supported and dpop_bound_access_tokens_required.
func ProtectedResourceMetadata(c Config) (path string, h http.Handler, err error) {
	if c.Resource == nil {
		return "", nil, errors.New("bearer: ProtectedResourceMetadata needs Config.Resource")
	}
	_, path, err = resourceMetadataURL(c.Resource)
	if err != nil {
		return "", nil, err
	}
	res := c.Resource
	doc := map[string]any{"resource": res.Resource}
	if len(res.AuthorizationServers) > 0 {
		doc["authorization_servers"] = res.AuthorizationServers
	}
	if scopes := cmpOr(res.ScopesSupported, c.Scopes); len(scopes) > 0 {
		doc["scopes_supported"] = scopes
	}
	methods := []string{"header"}
	if c.AllowFormToken {
		methods = append(methods, "body")
	}
	if c.InsecureAllowQueryToken {
		methods = append(methods, "query")
	}
	doc["bearer_methods_supported"] = methods
	if res.ResourceName != "" {
		doc["resource_name"] = res.ResourceName
	}
	if res.ResourceDocumentation != "" {
		doc["resource_documentation"] = res.ResourceDocumentation
	}
	if c.DPoP != nil {
		doc["dpop_signing_alg_values_supported"] = c.DPoP.Algorithms()
		doc["dpop_bound_access_tokens_required"] = c.RequireDPoP
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return "", nil, err
	}
	return path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), nil
}

// resourceMetadataURL checks res (nil is no metadata) and returns the URL and
// the path of its metadata.
func resourceMetadataURL(res *ProtectedResource) (string, string, error) {
	if res == nil {
		return "", "", nil
	}
	u, err := url.Parse(res.Resource)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", "", errors.New("bearer: ProtectedResource.Resource must be an absolute URL")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(res.Resource, "?") || strings.HasSuffix(res.Resource, "#"):
		return "", "", errors.New("bearer: ProtectedResource.Resource must not carry a query, a fragment or user info")
	case u.Scheme != "https" && (u.Scheme != "http" || !verify.IsLoopback(u.Hostname())):
		return "", "", errors.New("bearer: ProtectedResource.Resource must use https (http only on loopback)")
	case slices.Contains(res.AuthorizationServers, ""):
		return "", "", errors.New("bearer: ProtectedResource.AuthorizationServers holds an empty string")
	}
	path := wellKnownResource + strings.TrimSuffix(u.EscapedPath(), "/")
	return quotable(u.Scheme + "://" + u.Host + path), path, nil
}

// resourceChallenge adds resource_metadata (RFC 9728 §5.1) to every
// challenge of a refusal, when the API has metadata.
func (b *bearer) resourceChallenge(w http.ResponseWriter) {
	if b.metadataURL == "" {
		return
	}
	h := w.Header()
	vs := h.Values("WWW-Authenticate")
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v + `, resource_metadata="` + b.metadataURL + `"`
	}
	h[http.CanonicalHeaderKey("WWW-Authenticate")] = out
}

// cmpOr returns a when it is not empty, else b.
func cmpOr(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
