package verify

import "unsafe"

// A verified-token cache hit hands every request carrying the same token the
// same *Token (cacheEntry.shared): copying the 384-byte Token per hit was
// the hit's one allocation, and the garbage it made held two cores at 1.27×
// the throughput of one (issue #16). Token's fields are exported, so a
// caller could still write to the Token it was handed, against Verify's
// documented rule. The cache therefore never decides anything from that
// Token: it keeps its own copy (cacheEntry.tok, slices cloned, never handed
// out), checks the times against it on every hit, and compares the handed-out
// Token with it before handing it out again. A Token found modified is
// replaced by a fresh copy, so a caller's write never reaches a later request.
// (A request that holds the Token while another request's handler writes to
// it races with that write: the race detector reports it in the
// application's tests.)

// handout returns the Token to give a request for e's token: the shared
// one when it still equals e.tok, else a fresh copy, shared from then on.
func (e *cacheEntry) handout() *Token {
	if s := e.shared.Load(); s != nil && s.same(e.tok) {
		return s
	}
	s := e.tok.private()
	e.shared.Store(s)
	return s
}

// private returns a copy of t that shares no memory a caller can write
// through Token's exported fields: Audience and Scopes get their own array.
func (t *Token) private() *Token {
	cp := *t
	if n := len(t.Audience) + len(t.Scopes); n > 0 {
		buf := make([]string, n)
		a := copy(buf, t.Audience)
		copy(buf[a:], t.Scopes)
		if t.Audience != nil {
			cp.Audience = buf[:a:a]
		}
		if t.Scopes != nil {
			cp.Scopes = buf[a:n:n]
		}
	}
	return &cp
}

// same reports whether t's exported fields still hold what o's do (o is
// the cache's own copy, a bitwise copy of t with its own slice arrays). A
// string is compared by its header: the bytes behind it cannot change, and
// a copy's strings have the same headers, so this is a few word compares
// (writing back an equal string counts as a change, which costs one copy).
// Times are compared as values, not instants: any write is a change.
func (t *Token) same(o *Token) bool {
	return sameStr(t.Issuer, o.Issuer) && sameStr(t.Subject, o.Subject) && sameStr(t.ID, o.ID) &&
		sameStr(t.ClientID, o.ClientID) && sameStr(t.SessionID, o.SessionID) && sameStr(t.Raw, o.Raw) &&
		sameStr(t.Algorithm, o.Algorithm) && sameStr(t.KeyID, o.KeyID) && sameStr(t.Type, o.Type) &&
		sameStr(t.Confirmation.JKT, o.Confirmation.JKT) && sameStr(t.Confirmation.X5TS256, o.Confirmation.X5TS256) &&
		t.Expiry == o.Expiry && t.NotBefore == o.NotBefore &&
		t.IssuedAt == o.IssuedAt && t.AuthTime == o.AuthTime &&
		sameStrings(t.Audience, o.Audience) && sameStrings(t.Scopes, o.Scopes)
}

// sameStr reports whether a and b are the same string header.
func sameStr(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// sameStrings reports whether a and b hold the same strings, nil and empty
// alike.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameStr(a[i], b[i]) {
			return false
		}
	}
	return true
}
