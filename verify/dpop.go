package verify

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DPoP (RFC 9449) proof verification for resource servers. The proof's key
// comes from its own "jwk" header: that is the point of DPoP, and the only
// place Gatehouse reads a key from a JWS. What ties that key to anything is
// the access token's cnf.jkt, which the token's trusted issuer signed.

// Errors of DPoP proof verification.
var (
	// ErrDPoPProof means a DPoP proof failed a check (RFC 9449 §4.3), was
	// replayed, or was made with another key than the token is bound to.
	// A resource server answers 401 invalid_dpop_proof.
	ErrDPoPProof = errors.New("invalid DPoP proof")

	// ErrDPoPNonce means the proof lacks the server's current nonce
	// (DPoPConfig.RequireNonce). A resource server answers 401
	// use_dpop_nonce with a DPoP-Nonce header (RFC 9449 §9).
	ErrDPoPNonce = errors.New("DPoP proof needs the server's nonce")
)

// DPoPConfig configures a DPoPVerifier. The zero value is usable.
type DPoPConfig struct {
	// Algorithms are the accepted proof algorithms. Default
	// RS, PS, ES and EdDSA (asymmetric only); "none" and HS* are refused.
	Algorithms []string

	// MaxAge is how far in the past a proof's iat may be. Default 60 s.
	MaxAge time.Duration

	// Leeway is how far in the future a proof's iat may be (clock skew).
	// Default 5 s; a negative value means none.
	Leeway time.Duration

	// ReplayCacheSize bounds how many proof IDs (jti) are remembered. A
	// proof is remembered only until its iat falls out of MaxAge, when it
	// would be refused as stale anyway; when the cache is full the entry
	// closest to expiry is evicted. Default 65536.
	ReplayCacheSize int

	// ReplayRecord, when set, is a record of proofs shared by several
	// replicas (redisstore.NewReplayRecord), so that a proof one replica
	// accepted is refused by every other. A proof that passed every other
	// check, and is not in this process's own record, goes to FirstSeen
	// under its key (64 lowercase hex digits: the SHA-256 of its key's
	// thumbprint and its jti) with ttl, how long its iat stays in the
	// window (at most MaxAge plus Leeway, at least 1 ms). FirstSeen records
	// the key for ttl and reports whether it was not there yet, atomically:
	// false refuses the proof as a replay (ErrDPoPProof); an error refuses
	// it as unjudgeable (ErrUnavailable, 503 at a bearer API), never
	// accepts it, and leaves the proof unrecorded here, so the client's
	// retry of it is no replay. ctx is the one given to Verify.
	ReplayRecord interface {
		FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
	}

	// RequireNonce requires every proof to carry a nonce from Nonce
	// (RFC 9449 §8). Nonces change every MaxAge and are accepted for two
	// such periods.
	RequireNonce bool

	// NonceKey, at least 32 bytes, keys the nonces: replicas that share it
	// accept each other's nonces. Default: random per verifier.
	NonceKey []byte

	// Now returns the current time; for tests. Default time.Now.
	Now func() time.Time
}

// DPoPVerifier checks DPoP proofs and remembers their IDs to refuse replays.
// It is safe for concurrent use. Replicas behind one load balancer each
// remember only the proofs they saw, unless they share a
// DPoPConfig.ReplayRecord.
type DPoPVerifier struct {
	algs   []string
	maxAge time.Duration
	leeway time.Duration
	nonces *nonceSource // nil without RequireNonce
	seen   *replayCache
	// shared is DPoPConfig.ReplayRecord's FirstSeen; nil without one.
	shared func(ctx context.Context, key string, ttl time.Duration) (bool, error)
	keys   *headerCache
	now    func() time.Time
}

// DPoPRequest is what a proof must match.
type DPoPRequest struct {
	// Method is the request's HTTP method (htm).
	Method string
	// URI is the request's absolute URI as the client addressed it (htu):
	// scheme, host, port and path; query and fragment are ignored.
	// Comparison follows RFC 9449 §4.3: scheme and host without case,
	// default ports dropped, percent-encoding normalised.
	URI string
	// AccessToken, when set, must be what the proof's ath hashes.
	AccessToken string
	// JKT, when set, is the thumbprint the access token is bound to
	// (Token.Confirmation.JKT): the proof must be signed by that key.
	JKT string
}

// maxProofSize rejects longer proofs unread.
const maxProofSize = 8 << 10

// NewDPoPVerifier returns a verifier for DPoP proofs.
func NewDPoPVerifier(c DPoPConfig) (*DPoPVerifier, error) {
	v := &DPoPVerifier{algs: slices.Clone(c.Algorithms), maxAge: c.MaxAge, leeway: c.Leeway, now: c.Now}
	if len(v.algs) == 0 {
		v.algs = slices.Clone(defaultAlgorithms)
	}
	for _, a := range v.algs {
		if !slices.Contains(defaultAlgorithms, a) {
			return nil, fmt.Errorf("verify: %q is not an asymmetric JWS algorithm DPoP may use", a)
		}
	}
	switch {
	case v.maxAge == 0:
		v.maxAge = 60 * time.Second
	case v.maxAge < 0:
		return nil, errors.New("verify: DPoPConfig.MaxAge is negative")
	}
	switch {
	case v.leeway == 0:
		v.leeway = 5 * time.Second
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.now == nil {
		v.now = time.Now
	}
	if c.ReplayRecord != nil {
		v.shared = c.ReplayRecord.FirstSeen
	}
	size := c.ReplayCacheSize
	if size <= 0 {
		size = 1 << 16
	}
	v.seen = newReplayCache(size)
	v.keys = newHeaderCache(headerCacheSize)
	if c.RequireNonce {
		ns, err := newNonceSource(c.NonceKey, v.maxAge)
		if err != nil {
			return nil, err
		}
		v.nonces = ns
	}
	return v, nil
}

// Algorithms returns the accepted proof algorithms, for the algs parameter
// of a WWW-Authenticate: DPoP challenge.
func (v *DPoPVerifier) Algorithms() []string { return slices.Clone(v.algs) }

// Nonce returns the nonce proofs must carry now, for the DPoP-Nonce
// response header; "" without DPoPConfig.RequireNonce.
func (v *DPoPVerifier) Nonce() string {
	if v.nonces == nil {
		return ""
	}
	return v.nonces.current(v.now())
}

// Verify checks a DPoP proof against the request and returns the RFC 7638
// thumbprint of its key. The checks (RFC 9449 §4.3): at most 8 KiB; a
// compact JWS; typ "dpop+jwt"; alg in Algorithms; no crit or b64; a jwk
// header holding a public key only (a private member refuses the proof),
// RSA of at least 2048 bits, EC on P-256/384/521 or Ed25519, usable with
// alg; the signature by that key; jti, htm, htu and iat present; htm equal
// to r.Method; htu equal to r.URI; iat within MaxAge in the past and
// Leeway in the future; the nonce, when required; ath equal to the
// base64url SHA-256 of r.AccessToken when that is set; the thumbprint equal
// to r.JKT when that is set; and, last, jti not seen before for this key,
// in this process and in DPoPConfig.ReplayRecord when set (asked with ctx).
// A proof passing every other check is remembered, so a second use fails.
//
// Errors match ErrDPoPProof, or ErrDPoPNonce for a missing or stale nonce,
// or ErrUnavailable when the ReplayRecord failed.
func (v *DPoPVerifier) Verify(ctx context.Context, proof string, r DPoPRequest) (jkt string, err error) {
	p, err := v.parse(proof)
	if err != nil {
		return "", err
	}
	now := v.now()
	iat, ok := numericDate(p.iat)
	switch {
	case p.jti == "" || len(p.jti) > 256:
		return "", errProofJTI
	case p.htm != r.Method:
		return "", errProofHTM
	case !sameHTU(p.htu, r.URI):
		return "", errProofHTU
	case !ok || iat.IsZero():
		return "", errProofIat
	case iat.Before(now.Add(-v.maxAge)):
		return "", errProofStale
	case iat.After(now.Add(v.leeway)):
		return "", errProofFuture
	case v.nonces != nil && !v.nonces.valid(p.nonce, now):
		return "", errProofNonce
	}
	if r.AccessToken != "" {
		sum := sha256.Sum256(readOnly(r.AccessToken))
		var want [43]byte // base64url of a SHA-256 sum
		if subtle.ConstantTimeCompare(readOnly(p.ath), b64.AppendEncode(want[:0], sum[:])) != 1 {
			return "", errProofAth
		}
	}
	if !p.key.verify(p.alg, readOnly(proof[:p.dot]), p.sig) {
		return "", errProofSignature
	}
	jkt = p.jkt
	if r.JKT != "" && subtle.ConstantTimeCompare([]byte(jkt), []byte(r.JKT)) != 1 {
		return "", errProofKey
	}
	key, exp := replayKey(jkt, p.jti), iat.Add(v.maxAge)
	if v.shared != nil {
		if err := v.firstShared(ctx, key, exp, now); err != nil {
			return "", err
		}
	} else if !v.seen.first(key, exp, now) {
		return "", errProofReplay
	}
	return jkt, nil
}

// firstShared records key in the shared ReplayRecord until exp, once this
// process's own record, which costs no round trip, found it new; the shared
// record's answer decides. Nothing is recorded here before it answered, so
// a proof refused for its failure can be sent again; then the key is
// recorded here too, whatever the answer, so that the next replay here is
// refused without a round trip. Two uses on this replica at once both reach
// the shared record, which lets one through.
func (v *DPoPVerifier) firstShared(ctx context.Context, key [sha256.Size]byte, exp, now time.Time) error {
	if v.seen.has(key) {
		return errProofReplay
	}
	first, err := v.shared(ctx, hex.EncodeToString(key[:]), max(exp.Sub(now), time.Millisecond))
	if err != nil {
		return &checkError{msg: "DPoP replay record unavailable: " + err.Error(), kind: []error{ErrUnavailable, err}}
	}
	v.seen.first(key, exp, now)
	if !first {
		return errProofReplay
	}
	return nil
}

// replayKey identifies a proof in the replay cache: its key and jti.
func replayKey(jkt, jti string) [sha256.Size]byte {
	var buf [320]byte // a thumbprint (43), a zero byte and a jti (at most 256) fit
	return sha256.Sum256(append(append(append(buf[:0], jkt...), 0), jti...))
}

func proofInvalid(msg string) error {
	return &checkError{msg: "invalid DPoP proof: " + msg, kind: []error{ErrDPoPProof}}
}

// The DPoP proof rejections.
var (
	errProofSize      = proofInvalid("larger than 8 KiB")
	errProofForm      = proofInvalid("not a compact JWS")
	errProofHeader    = proofInvalid("the header is not a JSON object of the expected members")
	errProofClaims    = proofInvalid("the claims are not a JSON object of the expected members")
	errProofType      = proofInvalid(`typ is not "dpop+jwt"`)
	errProofAlg       = proofInvalid("alg is not an accepted asymmetric algorithm")
	errProofCrit      = proofInvalid("crit and b64 headers are not accepted")
	errProofNoJWK     = proofInvalid("the jwk header is missing")
	errProofPrivate   = proofInvalid("the jwk header holds private key members")
	errProofJWK       = proofInvalid("the jwk header is not a usable public key for alg")
	errProofSignature = proofInvalid("signature does not verify with the jwk header's key")
	errProofJTI       = proofInvalid("jti is missing or longer than 256 bytes")
	errProofHTM       = proofInvalid("htm is not the request's method")
	errProofHTU       = proofInvalid("htu is not the request's URI")
	errProofIat       = proofInvalid("iat is missing or out of range")
	errProofStale     = proofInvalid("iat is too far in the past")
	errProofFuture    = proofInvalid("iat is in the future")
	errProofAth       = proofInvalid("ath is missing or is not the hash of the access token")
	errProofKey       = proofInvalid("the proof's key is not the key the access token is bound to")
	errProofReplay    = proofInvalid("jti was already used (replay)")
	errProofNonce     = &checkError{msg: "DPoP proof lacks the server's current nonce", kind: []error{ErrDPoPNonce}}
)

// isDPoPType reports whether typ is dpop+jwt (media types compare without
// case, RFC 7515 §4.1.9).
func isDPoPType(typ string) bool { return strings.EqualFold(typ, "dpop+jwt") }
