package redisserver

import (
	"strings"
	"testing"
)

// Without redis-server the Redis tests skip with a "NOT RUN:" line that
// says what to install.
func TestLookupMissingSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, msg := lookup("redis-server"); !strings.HasPrefix(msg, "NOT RUN: the Redis tests need redis-server") || !strings.Contains(msg, "apt-get install -y redis-server") {
		t.Errorf("%q, want a NOT RUN line saying what to install", msg)
	}
}

// ending is a TB whose Skip and Fatal note which of them ended the
// (sub)test, then end it as skipped.
type ending struct {
	testing.TB
	by *string
}

func (e ending) Skip(...any)  { *e.by = "skip"; e.TB.SkipNow() }
func (e ending) Fatal(...any) { *e.by = "fatal"; e.TB.SkipNow() }

// A missing program skips the test, and fails it under CI=true (where
// .ci/run installs everything).
func TestBinaryMissingSkipsOrFailsUnderCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for ci, want := range map[string]string{"": "skip", "true": "fatal"} {
		var by string
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			binary(ending{t, &by}, "redis-server")
		})
		if by != want {
			t.Errorf("CI=%q: ended by %q, want %q", ci, by, want)
		}
	}
}
