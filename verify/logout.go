package verify

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// backchannelEvent is the event a logout token must carry.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenMaxAge is how far in the past (plus Config.Leeway) a logout
// token's iat may lie. A logout token is delivered right after it is
// minted, and every provider's lifetime for them is a few minutes.
const logoutTokenMaxAge = 5 * time.Minute

var (
	errLogoutEvent = invalid("logout_token", `events does not hold the back-channel logout event`)
	errLogoutNonce = invalid("logout_token", "a logout token must not carry a nonce")
	errLogoutWho   = invalid("logout_token", "a logout token needs sub or sid")
	errLogoutJTI   = invalid("logout_token", "a logout token needs jti")
	errLogoutType  = invalid("logout_token", `typ is neither "logout+jwt" nor absent`)
	errLogoutOld   = invalid("logout_token", "a logout token's iat is older than 5 minutes")
)

// VerifyLogoutToken checks an OpenID Connect Back-Channel Logout 1.0 logout
// token for this client (§2.6, with errata set 1): signature, alg allowlist
// and iss as Verify; alg one the provider advertises for ID tokens
// (Config.IDTokenAlgorithms); aud contains Config.ClientID; exp present and
// not past (errata set 1 made it required); iat present, not in the future
// and not older than 5 minutes (both with leeway); typ, when
// present, "logout+jwt"; events is an object holding the member
// "http://schemas.openid.net/event/backchannel-logout", spelt exactly, whose
// value is an object; no nonce member at all (not even an empty one); sub or
// sid present; jti present. Replay of jti is the caller's to reject (the
// middleware keeps the jti values it has seen).
func (v *Verifier) VerifyLogoutToken(ctx context.Context, raw string) (*Token, error) {
	if v.clientID == "" {
		return nil, errors.New("verify: VerifyLogoutToken needs Config.ClientID")
	}
	t, _, _, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	c := t.c
	switch {
	case t.Type != "" && normalizeType(t.Type) != "logout+jwt":
		return nil, errLogoutType
	case v.checkIDAlg(t) != nil:
		return nil, errIDTokenAlg
	case !slices.Contains(t.Audience, v.clientID):
		return nil, errAudience
	case t.IssuedAt.IsZero():
		return nil, errNoIat
	case v.now().Sub(t.IssuedAt) > logoutTokenMaxAge+v.leeway:
		return nil, errLogoutOld
	case c.HasNonce:
		return nil, errLogoutNonce
	case c.Sub == "" && c.Sid == "":
		return nil, errLogoutWho
	case c.Jti == "":
		return nil, errLogoutJTI
	case !hasLogoutEvent(c.Events):
		return nil, errLogoutEvent
	}
	return t, nil
}

// hasLogoutEvent reports whether events (already checked by the strict
// decoder: valid JSON, no duplicate names) is an object holding the
// back-channel logout event as an object, with no case variant of the
// event's name beside it.
func hasLogoutEvent(events []byte) bool {
	var m map[string]jsontext.Value
	if len(events) == 0 || events[0] != '{' || json.Unmarshal(events, &m) != nil {
		return false
	}
	ev, ok := m[backchannelEvent]
	if !ok || ev.Kind() != '{' {
		return false
	}
	for name := range m {
		if name != backchannelEvent && strings.EqualFold(name, backchannelEvent) {
			return false
		}
	}
	return true
}
