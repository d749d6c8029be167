package kubernetes_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callboard/integration/kubernetes"
	"callboard/internal/browsertest"
	"callboard/plugin/plugintest"
)

// TestBrowserKubernetesTab opens payment-service's Kubernetes tab in real
// Chromium, with a crash-looping pod on production and an image that
// differs from the one its git repository declares, and its overview
// card; screenshots go to test-artifacts/kubernetes-*.png.
func TestBrowserKubernetesTab(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	c := newTestClusters(t, "")
	g := newGitHost(t)
	files := manifests("512Mi")
	files["k8s/overlays/production/kustomization.yaml"] = strings.Replace(files["k8s/overlays/production/kustomization.yaml"], `newTag: "1.42.0"`, `newTag: "1.43.0"`, 1)
	commit := g.commit(t, "lanting/payment-service", files)
	catalog := strings.Replace(testCatalog, "app=payment-service\n", "app=payment-service\n    backstage.io/source-location: url:"+g.URL+
		"/lanting/payment-service/tree/main/\n    callboard.io/kubernetes-manifests: k8s/overlays/production\n", 1)
	p := plugintest.New(t, kubernetes.Plugin(g.repos(t)), plugintest.Options{Config: c.config, Catalog: catalog, Timeout: 5 * time.Second})
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
	for _, want := range []string{"CrashLoopBackOff", "connection refused", "at max", "Recent warnings",
		"Drift from git", "Declared in git at " + commit[:12], "registry.company.com/payment-service:1.43.0"} {
		if err != nil || !strings.Contains(text, want) {
			t.Errorf("tab has no %q (%v)", want, err)
		}
	}
	shot("tab")
}

func mustStep(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestBrowserKubernetesLogViewer loads a pod's log inside the Kubernetes
// tab, narrows it with the search box and follows it while the pod logs
// a new line; the screenshot is test-artifacts/kubernetes-logs.png.
func TestBrowserKubernetesLogViewer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	const form = `form[data-logview="k8s-log-production"]`
	mustStep(t, ctx, "tab",
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(p.URL+"/catalog/default/component/payment-service/kubernetes"),
		chromedp.WaitVisible(chromedp.CSS(form)),
		chromedp.SetValue(chromedp.CSS(form+" select"), "production/payment-service-7d9f8c6b5-klmno/app"),
		chromedp.Click(chromedp.CSS(form+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#k8s-log-production pre .logline")),
	)
	count := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#k8s-log-production .logline").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 500 {
		t.Errorf("the viewer shows %d lines, want the last 500", n)
	}
	mustStep(t, ctx, "search", chromedp.SendKeys(chromedp.CSS(form+` input[name=search]`), "PANIC"))
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#k8s-log-production mark"), m => m.textContent)`))
	if n := count(); n != 1 || err != nil || len(marks) != 1 || marks[0] != "panic" {
		t.Errorf("searching PANIC shows %d lines, marks %q (%v); want the one panic line highlighted", n, marks, err)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(filepath.Join(artifacts(t), "kubernetes-logs.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// Following reloads the log: a line the pod logs now shows up.
	c.prod.SetLog("production", "payment-service-7d9f8c6b5-klmno", "app", mustLog(600)+"line 601 panic: retried\n")
	mustStep(t, ctx, "follow", chromedp.Click(chromedp.CSS(form+` input[name=follow]`)))
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`document.querySelectorAll("#k8s-log-production .logline").length === 2`)); err != nil {
		t.Fatalf("the followed log never showed the new line: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#k8s-log-production [data-status]")))
	if err != nil || status != "2 of 500 lines, following" {
		t.Errorf("status = %q (%v), want 2 of 500 lines, following", status, err)
	}
}

// artifacts is the folder screenshots go to.
func artifacts(t *testing.T) string {
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
