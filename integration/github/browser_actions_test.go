package github_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callboard/internal/browsertest"
)

// TestBrowserActions renders the CI/CD tab and a failed run in headless
// Chromium. Screenshots go to test-artifacts/github-actions-*.png.
func TestBrowserActions(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, time.Minute)
	s, portal, failed := newTestActions(t, "") // dev mode: the browser is anonymous
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, wait, want string }{
		{"runs", "/catalog/default/component/svc/ci-cd", "table.entities .status", "Page 1 of 2"},
		{"run", "/catalog/default/component/svc/ci-cd?run=" + strconv.FormatInt(failed.ID, 10), "table.kv .status", "Run go test"},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(portal.URL+p.path),
			chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if !strings.Contains(text, p.want) {
			t.Errorf("%s page says %.500q, want %q", p.name, text, p.want)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", p.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "github-actions-"+p.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The run page's button posts the form; the portal redirects back to
	// the run, which GitHub has queued again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action$="/rerun-failed-jobs"] button`)),
		chromedp.WaitVisible(chromedp.CSS("table.kv .state-warn"))); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if got := s.Reruns("acme", "svc"); len(got) != 1 || got[0] != failed.ID {
		t.Errorf("GitHub re-ran %v, want [%d]", got, failed.ID)
	}
}
