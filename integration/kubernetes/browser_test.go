package kubernetes_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserKubernetesTab opens payment-service's Kubernetes tab in real
// Chromium, with a crash-looping pod on production, and its overview
// card; screenshots go to test-artifacts/kubernetes-*.png.
func TestBrowserKubernetesTab(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newTestBrowser(t)
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "kubernetes-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustStep(t, ctx, "overview",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/catalog/default/component/payment-service"),
		chromedp.WaitVisible(chromedp.CSS(".entity-head h1")),
	)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(text, "1 crash looping") {
		t.Errorf("overview = %.300q, %v; want the health card", text, err)
	}
	shot("overview")
	mustStep(t, ctx, "tab",
		chromedp.Click(chromedp.CSS(`.tabs a[href$="/kubernetes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tabs a[href$="/kubernetes"][aria-current]`)),
		chromedp.WaitVisible(chromedp.CSS("progress")),
	)
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"CrashLoopBackOff", "connection refused", "at max", "Recent warnings"} {
		if err != nil || !strings.Contains(text, want) {
			t.Errorf("tab has no %q (%v)", want, err)
		}
	}
	shot("tab")
}

func newTestBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed")
		}
		t.Skip("chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "en-US"))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

func mustStep(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
