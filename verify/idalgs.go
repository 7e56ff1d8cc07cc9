package verify

import (
	"fmt"
	"slices"
)

// errIDTokenAlg refuses an ID or logout token signed with an algorithm its
// provider does not advertise for ID tokens, or the application excluded.
var errIDTokenAlg = invalid("algorithm", "alg is not one the provider advertises for ID tokens (id_token_signing_alg_values_supported) and the configuration allows")

// setIDAlgorithms works out, per trusted provider, the algorithms its ID and
// logout tokens may use: the ones it advertises in
// id_token_signing_alg_values_supported (RS256 when it advertises none), that
// v.algs allows and, when narrow is set, narrow lists. With a ClientID (the
// Verifier is for ID tokens) a provider left with none is a configuration
// error: every login would fail.
func (v *Verifier) setIDAlgorithms(narrow []string) error {
	for _, a := range narrow {
		if !slices.Contains(v.algs, a) {
			return fmt.Errorf("verify: Config.IDTokenAlgorithms lists %q, which Config.Algorithms does not allow", a)
		}
	}
	v.idAlgs = make(map[string][]string, len(v.issuers))
	for iss, p := range v.issuers {
		adv := p.md.IDTokenSigningAlgValuesSupported
		if len(adv) == 0 {
			adv = []string{"RS256"}
		}
		var ok []string
		for _, a := range adv {
			if slices.Contains(v.algs, a) && (len(narrow) == 0 || slices.Contains(narrow, a)) && !slices.Contains(ok, a) {
				ok = append(ok, a)
			}
		}
		if len(ok) == 0 && v.clientID != "" {
			return fmt.Errorf("verify: %s advertises ID token algorithms %q, none of which the configuration allows", iss, adv)
		}
		v.idAlgs[iss] = ok
	}
	return nil
}

// checkIDAlg refuses an ID or logout token whose alg is not one of its
// provider's ID token algorithms.
func (v *Verifier) checkIDAlg(t *Token) error {
	if !slices.Contains(v.idAlgs[t.trust], t.Algorithm) {
		return errIDTokenAlg
	}
	return nil
}
