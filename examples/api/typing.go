package main

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// tokenTyping reads how this API tells access tokens from ID tokens (RFC
// 8725 §3.11): the typ header to require (ACCESS_TOKEN_TYPE, default
// "at+jwt"), and, when any typ is accepted, middleware that refuses tokens
// whose aud names one of OIDC_CLIENT_IDS.
//
// An ID token says who signed in to a client; it is not a permission to
// call an API. Accepted here, any app that receives a user's ID token (and
// apps do pass them around) could replay it as that user. A provider signs
// both with the same keys and the same issuer, so only the type or the
// audience tells them apart.
func tokenTyping(getenv func(string) string, audience string) (string, func(http.Handler) http.Handler, error) {
	typ := getenv("ACCESS_TOKEN_TYPE")
	if typ == "" {
		typ = "at+jwt"
	}
	if typ != "any" {
		return typ, func(h http.Handler) http.Handler { return h }, nil
	}
	clients := strings.Fields(getenv("OIDC_CLIENT_IDS"))
	switch {
	case len(clients) == 0:
		return "", nil, errors.New("ACCESS_TOKEN_TYPE=any needs OIDC_CLIENT_IDS: the client IDs whose ID tokens this API must refuse")
	case slices.Contains(clients, audience):
		return "", nil, fmt.Errorf("API_AUDIENCE %q is a client ID in OIDC_CLIENT_IDS: that client's ID tokens would pass as access tokens; give the API an audience of its own, or require ACCESS_TOKEN_TYPE=at+jwt", audience)
	}
	return "", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tok, ok := bearer.Token(r.Context()); ok && slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(clients, a) }) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="an ID token is not an access token"`)
				bearer.WriteError(w, r, &bearer.Error{Status: http.StatusUnauthorized, Code: "invalid_token",
					Description: "an ID token is not an access token"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}
