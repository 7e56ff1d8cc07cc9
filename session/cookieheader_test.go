package session

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzEachCookie holds eachCookie to net/http's reading of the same Cookie
// headers: the same cookies, names and values, in the same order, once the
// values net/http refuses (validCookieValue) are left out.
func FuzzEachCookie(f *testing.F) {
	for _, s := range []string{
		"gatehouse=2.abc; gatehouse_1=def",
		` a = "quoted" ; b=; =x; c=d;e`,
		"bad name=1; ok=\x7f; tab\t=1; x=y\\z; q=\"unterminated",
		"__Host-gatehouse=1.x;__Host-gatehouse=1.y",
		strings.Repeat("a=b;", 3001),
	} {
		f.Add(s, "second=line")
	}
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		h := http.Header{"Cookie": {line1, line2}}
		want := (&http.Request{Header: h}).Cookies()
		i := 0
		eachCookie(h, func(string) bool { return true }, func(name, value string) bool {
			if !validCookieValue(value) {
				return true
			}
			if i >= len(want) {
				t.Fatalf("extra cookie %q=%q", name, value)
			}
			if want[i].Name != name || want[i].Value != value {
				t.Fatalf("cookie %d: %q=%q, net/http reads %q=%q", i, name, value, want[i].Name, want[i].Value)
			}
			i++
			return true
		})
		if i != len(want) {
			t.Fatalf("%d cookies, net/http reads %d", i, len(want))
		}
	})
}

func TestEachCookieStops(t *testing.T) {
	n := 0
	all := func(string) bool { return true }
	eachCookie(http.Header{"Cookie": {"a=1; b=2; c=3"}}, all, func(string, string) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("fn called %d times after returning false at 2", n)
	}
	// Only wanted names reach fn, quotes removed, values as they are.
	var got []string
	eachCookie(http.Header{"Cookie": {`x="bad\"; a=1; a="2"; b=3`}}, func(n string) bool { return n == "a" || n == "x" },
		func(n, v string) bool { got = append(got, n+"="+v); return true })
	if strings.Join(got, ",") != `x=bad\,a=1,a=2` {
		t.Errorf("wanted cookies %q", got)
	}
}

// validCookieValue reports a cookie value (quotes removed) that net/http
// keeps.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !cookieValueByte[v[i]] {
			return false
		}
	}
	return true
}

// cookieValueByte is the bytes a cookie value may hold, as net/http reads
// them: printable ASCII and space, less '"', ';' and '\\'.
var cookieValueByte = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != ';' && b != '\\'
	}
	return t
}()
