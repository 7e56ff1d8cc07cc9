package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The line counts in README.md are wc -l of the wiring files, for all six.
func TestReadmeLineCounts(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| .* \\| \\[`(\\w+\\.go)`\\]\\(\\w+\\.go\\) \\| (\\d+) \\|").FindAllSubmatch(readme, -1)
	if len(rows) != len(routers) {
		t.Fatalf("README lists %d wiring files, want %d", len(rows), len(routers))
	}
	for _, row := range rows {
		src, err := os.ReadFile(string(row[1]))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := strconv.Atoi(string(row[2])); bytes.Count(src, []byte("\n")) != want {
			t.Errorf("%s: %d lines, README says %d", row[1], bytes.Count(src, []byte("\n")), want)
		}
	}
}
