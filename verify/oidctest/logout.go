package oidctest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// endSession serves RP-initiated logout (OpenID Connect RP-Initiated Logout
// 1.0): it records the request, sends a back-channel logout token when the
// client registered a BackchannelLogoutURI, and sends the browser to
// post_logout_redirect_uri with state when the client identified by
// client_id or id_token_hint allows it; otherwise it shows a signed-out
// page.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "oidctest: unreadable logout request", http.StatusBadRequest)
		return
	}
	q := r.Form
	s.mu.Lock()
	s.ends = append(s.ends, cloneValues(q))
	s.mu.Unlock()
	c, hint := s.logoutClient(q)
	if c != nil && hint != nil && c.BackchannelLogoutURI != "" {
		sub, _ := hint["sub"].(string)
		sid, _ := hint["sid"].(string)
		s.backchannelLogout(r.Context(), c.BackchannelLogoutURI, s.LogoutToken(sub, sid, c.ID))
	}
	needState := s.behavior().LogoutRequiresState && q.Get("state") == ""
	if u := q.Get("post_logout_redirect_uri"); u != "" && c != nil && allowedURI(u, c.PostLogoutRedirectURIs) && !needState {
		back, _ := url.Parse(u)
		if st := q.Get("state"); st != "" {
			v := back.Query()
			v.Set("state", st)
			back.RawQuery = v.Encode()
		}
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out — oidctest</title></head>`+
		`<body style="font-family:system-ui,sans-serif;max-width:30rem;margin:5rem auto"><h1>Signed out</h1>`+
		`<p>You are signed out of the test provider.</p></body></html>`+"\n")
}

// logoutClient identifies the client of a logout request by client_id and
// by id_token_hint (an ID token of this server; an expired one will do). It
// returns nil when neither names a registered client or they disagree, and
// the hint's claims when it verified.
func (s *Server) logoutClient(q url.Values) (*Client, map[string]any) {
	var hint map[string]any
	var hinted string
	if raw := q.Get("id_token_hint"); raw != "" {
		_, c, err := s.parseOwn(raw)
		if err != nil {
			return nil, nil
		}
		hint = c
		if azp, ok := c["azp"].(string); ok {
			hinted = azp
		} else if aud, ok := c["aud"].(string); ok {
			hinted = aud
		} else if auds, ok := c["aud"].([]any); ok && len(auds) > 0 {
			hinted, _ = auds[0].(string)
		}
	}
	id := q.Get("client_id")
	if id != "" && hinted != "" && id != hinted {
		return nil, nil
	}
	return s.lookupClient(orDefault(id, hinted)), hint
}

// backchannelLogout posts a logout token to a client, briefly; failures are
// the client's problem, as with a real provider.
func (s *Server) backchannelLogout(ctx context.Context, uri, token string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri,
		strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
}

// LogoutToken mints a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0 §2.4) for aud: RS256, typ logout+jwt, with iss,
// aud, iat, exp (in two minutes), jti, the back-channel logout event, and
// sub and sid unless empty.
func (s *Server) LogoutToken(sub, sid, aud string) string {
	n := time.Now()
	c := map[string]any{
		"iss": s.Issuer(), "aud": aud, "iat": n.Unix(), "exp": n.Add(2 * time.Minute).Unix(), "jti": randomString(12),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	return s.Sign(Token{Header: map[string]any{"typ": "logout+jwt"}, Claims: c})
}
