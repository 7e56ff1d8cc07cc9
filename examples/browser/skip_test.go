package browser_test

import (
	"strings"
	"testing"
)

// Without chromium the real-browser tests skip with a "NOT RUN:" line that
// says what to install.
func TestChromiumMissingSaysWhatToInstall(t *testing.T) {
	saved := chromiumPaths
	chromiumPaths = []string{"gatehouse-no-such-chromium"}
	defer func() { chromiumPaths = saved }()
	if _, msg := findChromium(); !strings.HasPrefix(msg, "NOT RUN: the real-browser tests need chromium") || !strings.Contains(msg, "apt-get install -y chromium") {
		t.Errorf("%q, want a NOT RUN line saying what to install", msg)
	}
}
