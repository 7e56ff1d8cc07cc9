package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// run flags wall-clock waits outside bubbles in test files, and only those.
func TestCheck(t *testing.T) {
	src := `package x_test

import (
	"testing"
	"testing/synctest"
	clock "time"
)

func TestA(t *testing.T) {
	clock.Sleep(1) // line 10: flagged
	synctest.Test(t, func(t *testing.T) {
		clock.Sleep(1)
		_ = clock.Since(clock.Now())
		go func() { clock.Sleep(1) }()
	})
	// sleep-ok: polling another process
	clock.Sleep(1)
	clock.Sleep(1) // sleep-ok: same line
	_ = clock.Since(clock.Now()) // line 19: flagged
	_ = clock.Now()
	helper := func() { clock.Sleep(1) } // line 21: flagged, not passed to synctest
	synctest.Test(t, func(t *testing.T) { helper() })
}

func BenchmarkB(b *testing.B) {
	t0 := clock.Now()
	b.Run("x", func(b *testing.B) { _ = clock.Since(t0) })
	_ = clock.Since(t0)
}

func measure(b *testing.B) clock.Duration { return clock.Since(clock.Now()) }
`
	dir := t.TempDir()
	path := filepath.Join(dir, "x_test.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// Not a test file: not checked.
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte("package x\n\nimport \"time\"\n\nfunc f() { time.Sleep(1) }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := run(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + ":10: time.Sleep outside a synctest bubble",
		path + ":19: time.Since outside a synctest bubble",
		path + ":21: time.Sleep outside a synctest bubble",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("check found\n%q\nwant\n%q", got, want)
	}
}
