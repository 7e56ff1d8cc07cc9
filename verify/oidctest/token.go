package oidctest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// oauthError is an RFC 6749 §5.2 error answer.
type oauthError struct {
	status     int
	code, desc string
	nonce      string // DPoP-Nonce header, for use_dpop_nonce
}

// token serves the token endpoint: client authentication, then the grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	b := s.behavior()
	if err := r.ParseForm(); err != nil {
		tokenFail(w, &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "unreadable or oversized form"})
		return
	}
	// The delay comes after reading the body: only then does net/http
	// notice a client hanging up and cancel the request's context.
	if b.TokenDelay > 0 {
		t := time.NewTimer(b.TokenDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	gt := r.PostForm.Get("grant_type")
	if gt != "" {
		s.countUp("token:" + gt)
	}
	switch {
	case b.TokenBody != "":
		ct := b.TokenContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(orDefault(b.TokenStatus, http.StatusOK))
		_, _ = w.Write([]byte(b.TokenBody))
		return
	case b.TokenStatus >= 500:
		tokenFail(w, &oauthError{status: b.TokenStatus, code: "server_error", desc: "oidctest TokenStatus"})
		return
	case b.TokenStatus != 0:
		tokenFail(w, &oauthError{status: b.TokenStatus, code: "invalid_grant", desc: "oidctest TokenStatus"})
		return
	}
	c, e := s.authenticate(r)
	if _, _, basic := r.BasicAuth(); e == nil && basic && b.OnlyClientSecretPost {
		e = &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: "client authentication failed"}
	}
	if e == nil && b.EchoClientSecret != "" {
		e = &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: echoCredentials(b.EchoClientSecret, c)}
	}
	if e != nil {
		tokenFail(w, e)
		return
	}
	jkt, e := s.dpopBinding(r, b)
	if e != nil {
		tokenFail(w, e)
		return
	}
	var resp map[string]any
	switch gt {
	case "authorization_code":
		resp, e = s.codeGrant(r.PostForm, c, jkt, b)
	case "refresh_token":
		resp, e = s.refreshGrant(r.PostForm, c, jkt, b)
	case "client_credentials":
		resp, e = s.clientGrant(r.PostForm, c, jkt, b)
	case tokenExchangeGrant:
		resp, e = s.exchangeGrant(r.PostForm, c, b)
	case "":
		e = &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: "grant_type is missing"}
	default:
		e = &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type"}
	}
	if e != nil {
		tokenFail(w, e)
		return
	}
	tokenAnswer(w, resp, b)
}

// tokenAnswer writes a successful token response, applying the quirks.
func tokenAnswer(w http.ResponseWriter, resp map[string]any, b Behavior) {
	if b.LowercaseTokenType {
		resp["token_type"] = "bearer"
	}
	switch {
	case b.OmitExpiresIn:
		delete(resp, "expires_in")
	case b.MisspelledExpiresIn:
		resp["expire_in"] = strconv.Itoa(resp["expires_in"].(int))
		delete(resp, "expires_in")
	case b.ExpiresInNanoseconds:
		resp["expires_in"] = resp["expires_in"].(int) * int(time.Second)
	case b.ExpiresInAsString:
		resp["expires_in"] = strconv.Itoa(resp["expires_in"].(int))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if b.FormEncodedTokenResponse {
		v := url.Values{}
		for k, x := range resp {
			switch x := x.(type) {
			case string:
				v.Set(k, x)
			case int:
				v.Set(k, strconv.Itoa(x))
			}
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		_, _ = w.Write([]byte(v.Encode()))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// tokenFail writes an RFC 6749 §5.2 error; a 401 challenges for Basic.
func tokenFail(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
	}
	if e.nonce != "" {
		w.Header().Set("DPoP-Nonce", e.nonce)
	}
	body := map[string]string{"error": e.code}
	if e.desc != "" {
		body["error_description"] = e.desc
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, e.status, body)
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
