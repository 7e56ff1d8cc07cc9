package browser_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPaths are where chromium is looked for.
var chromiumPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser"}

// chromium finds the browser, or skips the test loudly with
// findChromium's "NOT RUN:" line (fails under CI).
func chromium(t *testing.T) string {
	path, missing := findChromium()
	if missing == "" {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
	return ""
}

// findChromium returns chromium's path, or the "NOT RUN:" line that says
// what to install.
func findChromium() (path, missing string) {
	for _, p := range chromiumPaths {
		if path, err := exec.LookPath(p); err == nil {
			return path, ""
		}
	}
	return "", "NOT RUN: the real-browser tests need chromium, which is not installed (apt-get install -y chromium)"
}

// startWebapp builds and runs examples/webapp on a free port with its
// embedded test provider and returns its URL.
func startWebapp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "webapp")
	build := exec.Command("go", "build", "-o", bin, "./examples/webapp")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the webapp: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR=127.0.0.1:0", "OIDC_ISSUER=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (http://\S+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(60 * time.Second):
		t.Fatal("the webapp did not start")
	}
	return ""
}

// A person's run in a real browser: open the app, sign in through the
// provider's form, see the signed-in page, sign out.
func TestWebappInChromium(t *testing.T) {
	exe := chromium(t)
	base := startWebapp(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 700),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first action starts the browser and must not carry a timeout.
	if err := chromedp.Do(browser, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("opening %s: %v", base, err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return v
	}

	if status := text("#status"); !strings.Contains(status, "not signed in") {
		t.Errorf("home before login: %q", status)
	}
	do("open the login form", chromedp.Click("#login"), chromedp.WaitVisible("#username"))
	do("type the username", chromedp.SendKeys("#username", "ada"))
	do("submit the form", chromedp.Submit("#username"), chromedp.Sleep(500*time.Millisecond))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/me") {
		t.Errorf("after login the browser is at %s", loc)
	}
	if me := text("body"); !strings.Contains(me, `"sub":"ada"`) {
		t.Errorf("/me after login: %q", me)
	}
	do("home", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#user"))
	if user := text("#user"); user != "ada" {
		t.Errorf("the signed-in page shows %q", user)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	do("sign out", chromedp.Click("#logout"), chromedp.Sleep(500*time.Millisecond), chromedp.WaitVisible("#status"))
	if after := text("#status"); !strings.Contains(after, "not signed in") {
		t.Errorf("home after logout: %q", after)
	}
	do("/me after logout", chromedp.Navigate(base+"/me"), chromedp.WaitVisible("#username"))
	png := filepath.Join(t.TempDir(), "signed-in.png")
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the signed-in page: %s", png)
	if dst := os.Getenv("BROWSER_SCREENSHOT"); dst != "" {
		f, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		src, _ := os.Open(png)
		defer src.Close()
		io.Copy(f, src)
		t.Logf("copied to %s", dst)
	}
}
