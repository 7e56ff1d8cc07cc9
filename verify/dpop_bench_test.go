package verify_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/gatehouse-go/gatehouse/verify"
)

// BenchmarkDPoPProof measures a whole resource-server proof check (parse,
// key from the jwk header, thumbprint, htu, ath, signature, replay cache)
// against one bare ES256 signature check of the same proof, alternating the
// two in one loop so a shared host's noise hits both alike; it reports
// the median ns of a proof check, of an ES256 verification, and their ratio. Every
// proof is new (a fresh jti) and carries its key in full, as a client's
// proof does; the proofs are signed before the timer starts. "client key"
// is one client's proofs (one key, so its header is checked once);
// "new key" gives every proof another key (the header is parsed, the key
// checked on its curve and hashed, every time).
func BenchmarkDPoPProof(b *testing.B) {
	b.Run("client key", func(b *testing.B) { benchProofs(b, false) })
	b.Run("new key", func(b *testing.B) { benchProofs(b, true) })
}

func benchProofs(b *testing.B, newKeys bool) {
	k := newDPoPKey(b, "ES256")
	v := newDPoP(b, verify.DPoPConfig{MaxAge: time.Hour})
	const tok = "an-access-token-of-realistic-length-0123456789abcdefghijklmnopqrstuvwxyz"
	proofs := make([]string, 2048)
	reqs := make([]verify.DPoPRequest, len(proofs))
	pubs := make([]*ecdsa.PublicKey, len(proofs))
	var inputs, sigs [][]byte
	for i := range proofs {
		if newKeys {
			k = newDPoPKey(b, "ES256")
		}
		proofs[i] = k.proof(b, "GET", apiURI, tok, nil, nil)
		reqs[i] = verify.DPoPRequest{Method: "GET", URI: apiURI, AccessToken: tok, JKT: k.jkt}
		pubs[i] = k.priv.Public().(*ecdsa.PublicKey)
		in, sig := splitJWS(proofs[i])
		inputs, sigs = append(inputs, in), append(sigs, sig)
	}
	var tProof, tES []time.Duration
	n := 0
	for b.Loop() {
		i := n % len(proofs)
		if i == 0 && n > 0 {
			b.StopTimer()
			v = newDPoP(b, verify.DPoPConfig{MaxAge: time.Hour}) // the jtis are spent
			b.StartTimer()
		}
		// Alternate which check runs first, so neither always inherits
		// the other's cache misses or GC debt.
		var dp, de time.Duration
		if n%2 == 0 {
			dp = timeProof(b, v, proofs[i], reqs[i])
			de = timeES256(b, pubs[i], inputs[i], sigs[i])
		} else {
			de = timeES256(b, pubs[i], inputs[i], sigs[i])
			dp = timeProof(b, v, proofs[i], reqs[i])
		}
		tProof = append(tProof, dp)
		tES = append(tES, de)
		n++
	}
	// Medians, not means: on a shared host a preemption lands in one
	// measurement now and then and would swamp a mean.
	mp, me := median(tProof), median(tES)
	b.ReportMetric(float64(mp.Nanoseconds()), "ns/proof")
	b.ReportMetric(float64(me.Nanoseconds()), "ns/es256")
	b.ReportMetric(float64(mp)/float64(me), "proof/es256")
}

func splitJWS(p string) (input, sig []byte) {
	i := len(p) - 1
	for p[i] != '.' {
		i--
	}
	s, _ := base64.RawURLEncoding.DecodeString(p[i+1:])
	return []byte(p[:i]), s
}

func timeProof(b *testing.B, v *verify.DPoPVerifier, proof string, req verify.DPoPRequest) time.Duration {
	t0 := time.Now()
	if _, err := v.Verify(b.Context(), proof, req); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func timeES256(b *testing.B, pub *ecdsa.PublicKey, input, sig []byte) time.Duration {
	t0 := time.Now()
	if jwsbb.Verify(pub, "ES256", input, sig) != nil {
		b.Fatal("ES256")
	}
	return time.Since(t0)
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
