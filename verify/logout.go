package verify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
)

// backchannelEvent is the event a logout token must carry.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

var (
	errLogoutEvent = invalid(`events does not hold the back-channel logout event`)
	errLogoutNonce = invalid("a logout token must not carry a nonce")
	errLogoutWho   = invalid("a logout token needs sub or sid")
	errLogoutJTI   = invalid("a logout token needs jti")
	errLogoutType  = invalid(`typ is neither "logout+jwt" nor absent`)
)

// VerifyLogoutToken checks an OpenID Connect Back-Channel Logout 1.0 logout
// token for this client (§2.6): signature, alg allowlist and iss as Verify;
// alg one the provider advertises for ID tokens (Config.IDTokenAlgorithms);
// aud contains Config.ClientID; iat present; exp, when present, not past;
// typ, when present, "logout+jwt"; events holds the back-channel logout
// event; no nonce; sub or sid present; jti present. Replay of jti is the
// caller's to reject (the middleware keeps the jti values it has seen).
func (v *Verifier) VerifyLogoutToken(ctx context.Context, raw string) (*Token, error) {
	if v.clientID == "" {
		return nil, errors.New("verify: VerifyLogoutToken needs Config.ClientID")
	}
	t, _, _, err := v.parseAndCheck(ctx, raw, false)
	if err != nil {
		return nil, err
	}
	c := t.c
	var events map[string]json.RawMessage
	switch {
	case t.Type != "" && normalizeType(t.Type) != "logout+jwt":
		return nil, errLogoutType
	case v.checkIDAlg(t) != nil:
		return nil, errIDTokenAlg
	case !slices.Contains(t.Audience, v.clientID):
		return nil, errAudience
	case t.IssuedAt.IsZero():
		return nil, errNoIat
	case c.Nonce != "":
		return nil, errLogoutNonce
	case c.Sub == "" && c.Sid == "":
		return nil, errLogoutWho
	case c.Jti == "":
		return nil, errLogoutJTI
	case len(c.Events) == 0 || json.Unmarshal(c.Events, &events) != nil:
		return nil, errLogoutEvent
	}
	ev, ok := events[backchannelEvent]
	if !ok || len(ev) == 0 || ev[0] != '{' {
		return nil, errLogoutEvent
	}
	return t, nil
}
