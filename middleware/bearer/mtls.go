package bearer

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// certBound reports whether the request's TLS connection presented the
// client certificate whose SHA-256 thumbprint (base64url) is x5t: the
// binding of an RFC 8705 §3 certificate-bound token. It needs TLS
// terminated by this Go server (r.TLS is nil behind a TLS-terminating
// proxy, and the token is then refused) with a tls.Config that asks for
// client certificates (ClientAuth RequestClientCert or stronger; RFC 8705
// §2.2 self-signed certificates need RequireAnyClientCert, since the binding
// is the thumbprint, not a chain).
func certBound(r *http.Request, x5t string) bool {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return false
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(x5t)) == 1
}
