package bearer

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-go/gatehouse/verify"
)

// DPoP (RFC 9449) and certificate-bound tokens (RFC 8705) at the bearer
// middleware. A token bound to a key (cnf.jkt) passes only with the DPoP
// scheme and a proof made with that key; a token bound to a certificate
// (cnf["x5t#S256"]) only over a TLS connection presenting that certificate.
// Both rules hold whether or not Config.DPoP is set: a bound token is
// never accepted as a plain bearer token.

// checkPublicURL validates Config.PublicURL and returns it without a
// trailing slash.
func checkPublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("bearer: Config.PublicURL must be an absolute http(s) URL without user, query or fragment")
	}
	return strings.TrimSuffix(s, "/"), nil
}

// usesDPoP reports whether the request authenticates with the DPoP scheme.
func (b *bearer) usesDPoP(r *http.Request) bool {
	if b.DPoP == nil {
		return false
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "DPoP")
}

// sender checks that a verified token is presented by the party it is bound
// to, and, for the DPoP scheme, checks the proof. It returns the DPoP-Nonce
// to send with the response ("" for none).
func (b *bearer) sender(r *http.Request, raw string, t *verify.Token) (string, *Error) {
	cnf := t.Confirmation
	if cnf.X5TS256 != "" && !certBound(r, cnf.X5TS256) {
		return "", invalidToken("the token is bound to a TLS client certificate this connection did not present", nil)
	}
	if !b.usesDPoP(r) {
		switch {
		case cnf.JKT != "":
			return "", invalidToken("the token is DPoP-bound: send it with the DPoP scheme and a proof", nil)
		case b.RequireDPoP:
			return "", invalidToken("only DPoP-bound tokens are accepted", nil)
		}
		return "", nil
	}
	if cnf.JKT == "" {
		return "", invalidToken("the token is not DPoP-bound: send it with the Bearer scheme", nil)
	}
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		return "", badProof("exactly one DPoP proof header is required", nil)
	}
	_, err := b.DPoP.Verify(r.Context(), proofs[0], verify.DPoPRequest{Method: r.Method, URI: b.requestURI(r), AccessToken: raw, JKT: cnf.JKT})
	switch {
	case errors.Is(err, verify.ErrUnavailable):
		// The shared replay record (DPoPConfig.ReplayRecord) failed: the
		// proof could be neither accepted nor refused.
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Description: "the DPoP replay record is unavailable; try again later", Err: err}
	case errors.Is(err, verify.ErrDPoPNonce):
		return b.DPoP.Nonce(), &Error{Status: http.StatusUnauthorized, Code: "use_dpop_nonce",
			Description: "the DPoP proof must carry the nonce of the DPoP-Nonce header", Err: err}
	case err != nil:
		// The verify messages are fixed strings naming the failed check.
		return "", badProof(err.Error(), err)
	}
	return b.DPoP.Nonce(), nil
}

func invalidToken(desc string, err error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: desc, Err: err}
}

func badProof(desc string, err error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_dpop_proof", Description: desc, Err: err}
}

// requestURI is the URI the client addressed, which a proof's htu must
// name: PublicURL and the request path when PublicURL is set, else the
// connection's scheme (https when it is TLS) and the Host header. The path
// is the one the client sent (RequestURI), not one a StripPrefix shortened.
func (b *bearer) requestURI(r *http.Request) string {
	path := r.RequestURI
	if path == "" || path[0] != '/' {
		path = r.URL.EscapedPath()
	}
	if b.publicURL != "" {
		return b.publicURL + path
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host + path
}

// dpopChallenge adds the DPoP challenge (RFC 9449 §7.1) to a refusal
// when DPoP is configured: with the error when the request used the DPoP
// scheme (the Bearer challenge then carries none), without it otherwise;
// the Bearer challenge goes when RequireDPoP is set.
func (b *bearer) dpopChallenge(w http.ResponseWriter, r *http.Request, e *Error) {
	if b.DPoP == nil {
		return
	}
	h := w.Header()
	dpopErr := &Error{}
	if b.usesDPoP(r) || b.RequireDPoP {
		dpopErr = e
		h.Set("WWW-Authenticate", challenge(b.Realm, &Error{}))
	}
	if b.RequireDPoP {
		h.Del("WWW-Authenticate")
	}
	h.Add("WWW-Authenticate", "DPoP"+strings.TrimPrefix(challenge(b.Realm, dpopErr), "Bearer")+`, algs="`+b.algs+`"`)
}
