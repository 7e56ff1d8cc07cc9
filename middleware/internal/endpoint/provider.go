package endpoint

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/gatehouse-go/gatehouse/verify"
)

// ErrTokenRejected marks an ID token, userinfo answer or token response
// that failed a check: the provider answered, but not acceptably.
var ErrTokenRejected = errors.New("token rejected")

// ProviderFailure converts an x/oauth2 error, whose message can hold the whole
// response body, into a ProviderError (or a plain error matching
// verify.ErrProvider) that carries no body. Its text is the provider's: pass it
// through Redact before it goes anywhere.
func ProviderFailure(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The fields stay as received: Redact cleans and caps them.
		pe := &verify.ProviderError{Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI}
		if re.Response != nil {
			pe.Status = re.Response.StatusCode
		}
		return pe
	}
	if errors.Is(err, verify.ErrProvider) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// A transport failure: keep it (timeouts stay recognisable); it
		// names the endpoint, never a response body.
		return fmt.Errorf("%w: %s %s: %w", verify.ErrProvider, ue.Op, ue.URL, ue.Err)
	}
	// What is left is x/oauth2's own complaint about the answer, which has
	// no type of its own (its parse failures are fmt.Errorf texts): the
	// text is matched, and only to replace it with a plainer one.
	msg := err.Error()
	if strings.HasPrefix(msg, "oauth2: cannot parse") {
		msg = "the token endpoint's answer is not a token response"
	}
	return fmt.Errorf("%w: %s", verify.ErrProvider, Printable(msg, 200))
}

// CheckTokenType refuses a token response whose token_type is not want,
// compared without case (providers answer "bearer" too): the one rule for
// logins, refreshes and the machine-to-machine clients.
func CheckTokenType(tok *oauth2.Token, want string) error {
	if strings.EqualFold(tok.Type(), want) {
		return nil
	}
	return fmt.Errorf("%w: %w: token_type %q is not %s", verify.ErrProvider, ErrTokenRejected, Printable(tok.TokenType, 32), want)
}

// Printable keeps at most n Printable ASCII characters of s.
func Printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}
