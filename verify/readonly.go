package verify

import "unsafe"

// readOnly returns the bytes of s without copying them, for a callee that
// only reads its input (a base64 decoder, a signature check that hashes
// it): a DPoP proof check would otherwise copy each of its parts, and each
// member of its key, once more (BenchmarkDPoPProof). Nothing may write to
// the slice.
func readOnly(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
