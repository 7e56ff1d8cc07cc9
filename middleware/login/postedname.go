package login

import (
	"encoding/json"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/gatehouse-go/gatehouse/session"
)

// maxPostedName bounds each part of a posted name.
const maxPostedName = 256

// maxPostedUser bounds the posted "user" parameter; a longer one is dropped.
const maxPostedUser = 4 * maxPostedName

// addPostedName adds to s's claims the user's name that Sign in with Apple
// posts, with a form-post callback of the user's first authorization only,
// in a "user" parameter: {"name":{"firstName":…,"lastName":…},"email":…}.
// Apple's ID token never carries a name, and the application would
// otherwise never learn it. The names become given_name, family_name and
// name, each only where the verified claims have none: they are display
// data the user's browser carried, never used for who the user is (the
// subject and the email come only from the verified ID token; the posted
// email is ignored). Anything malformed, over maxPostedUser (a part over
// maxPostedName) or holding control characters is dropped without failing
// the login.
func addPostedName(s *session.Session, raw string) {
	var u struct {
		Name struct {
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"name"`
	}
	if len(raw) > maxPostedUser || jsonv2.Unmarshal([]byte(raw), &u) != nil {
		return
	}
	first, last := cleanName(u.Name.FirstName), cleanName(u.Name.LastName)
	if first == "" && last == "" {
		return
	}
	claims := map[string]any{}
	if len(s.Claims) > 0 && json.Unmarshal(s.Claims, &claims) != nil {
		return
	}
	full := first
	if last != "" {
		if full != "" {
			full += " "
		}
		full += last
	}
	for k, v := range map[string]string{"given_name": first, "family_name": last, "name": full} {
		if _, has := claims[k]; !has && v != "" {
			claims[k] = v
		}
	}
	if b, err := json.Marshal(claims); err == nil {
		s.Claims = b
	}
}

// cleanName is a posted name part, or "" when it is too long or holds a
// control character.
func cleanName(s string) string {
	if len(s) > maxPostedName {
		return ""
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ""
		}
	}
	return s
}
