package session

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/sessions"

	"github.com/gatehouse-go/gatehouse/session/internal/stores"
)

// maxCookieBytes bounds one Set-Cookie (name, value and attributes), under
// the 4096 bytes every browser keeps, with room to spare.
const maxCookieBytes = 4000

// A session's encoded value is split over cookies name, name_1, … name_n-1.
// The first starts with "n." (the count); chunks past the count are ignored
// and a missing one means no session. The count is not authenticated, and
// need not be: the seal authenticates the joined value, so any change
// to the chunks, their order or their number fails to decode.

// chunkSize is how many value bytes each chunk of a session called name
// may hold, so that its whole Set-Cookie stays under maxCookieBytes.
func chunkSize(name string, opts *sessions.Options, maxChunks int) (int, error) {
	probe := stores.NewCookie(chunkName(name, maxChunks-1), "", opts).String()
	size := maxCookieBytes - len(probe) - len(strconv.Itoa(maxChunks)) - 1
	if size < 512 {
		return 0, errors.New("session: the cookie's name and attributes leave no room for a value")
	}
	return size, nil
}

// writeChunks sets the cookies of an encoded value and deletes the chunks a
// larger value used before.
func writeChunks(w http.ResponseWriter, r *http.Request, name, enc string, opts *sessions.Options, maxChunks int) error {
	size, err := chunkSize(name, opts, maxChunks)
	if err != nil {
		return err
	}
	n := (len(enc) + size - 1) / size
	if n > maxChunks {
		return fmt.Errorf("%w: %d bytes need %d cookies, the limit is %d", ErrTooLarge, len(enc), n, maxChunks)
	}
	for i := range n {
		part := enc[i*size : min(len(enc), (i+1)*size)]
		if i == 0 {
			part = strconv.Itoa(n) + "." + part
		}
		http.SetCookie(w, stores.NewCookie(chunkName(name, i), part, opts))
	}
	deleteChunks(w, r, name, opts, n)
	return nil
}

// readChunks joins name, name_1, … as counted in the first chunk; false
// when a chunk is missing or the count is malformed or over maxChunks. The
// Cookie header is scanned once; the first cookie of a name wins.
func readChunks(r *http.Request, name string, maxChunks int) (string, bool) {
	var small [defaultMaxChunks]string
	parts := small[:0]
	if maxChunks > len(small) {
		parts = make([]string, 0, maxChunks)
	}
	parts = parts[:maxChunks]
	var found [defaultMaxChunks]bool
	seen := found[:]
	if maxChunks > len(found) {
		seen = make([]bool, maxChunks)
	}
	isChunk := func(c string) bool {
		i, ok := chunkIndex(name, c)
		return ok && i < maxChunks && !seen[i]
	}
	eachCookie(r.Header, isChunk, func(c, v string) bool {
		i, _ := chunkIndex(name, c)
		parts[i], seen[i] = v, true
		return true
	})
	if !seen[0] {
		return "", false
	}
	count, rest, ok := strings.Cut(parts[0], ".")
	n, ok2 := parseIndex(count)
	if !ok || !ok2 || n < 1 || n > maxChunks {
		return "", false
	}
	if n == 1 {
		return rest, true
	}
	size := len(rest)
	for i := 1; i < n; i++ {
		if !seen[i] {
			return "", false
		}
		size += len(parts[i])
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(rest)
	for _, p := range parts[1:n] {
		b.WriteString(p)
	}
	return b.String(), true
}

// deleteChunks expires the request's chunks of name from index from on.
func deleteChunks(w http.ResponseWriter, r *http.Request, name string, opts *sessions.Options, from int) {
	del := *opts
	del.MaxAge = -1
	for _, c := range r.Cookies() {
		if i, ok := chunkIndex(name, c.Name); ok && i >= from {
			http.SetCookie(w, stores.NewCookie(c.Name, "", &del))
		}
	}
}

// chunkName is name for chunk 0, name_i after.
func chunkName(name string, i int) string {
	if i == 0 {
		return name
	}
	return name + "_" + strconv.Itoa(i)
}

// chunkIndex is the index of cookie as a chunk of name.
func chunkIndex(name, cookie string) (int, bool) {
	if cookie == name {
		return 0, true
	}
	if len(cookie) <= len(name) || cookie[:len(name)] != name || cookie[len(name)] != '_' {
		return 0, false
	}
	i, ok := parseIndex(cookie[len(name)+1:])
	return i, ok && i > 0
}

// parseIndex reads a small decimal in canonical form (no sign, no leading
// zero).
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 4 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
