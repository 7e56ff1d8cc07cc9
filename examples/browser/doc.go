// Package browser holds Gatehouse's real-browser test: headless Chromium,
// driven by chromedp, signs in to examples/webapp through the login form of
// its in-process provider, sees the signed-in page, and signs out; and it
// signs in with response_mode=form_post, whose callback is a cross-site
// POST relayed to a same-site GET, twice, the second login ending the first
// session (TestFormPostInChromium). It is a
// module of its own so that chromedp stays out of the library's go.mod.
//
//	cd examples/browser && go test ./...
//
// Set BROWSER_SCREENSHOT=/path/to/file.png to keep the signed-in page's
// screenshot.
package browser
