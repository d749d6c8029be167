package scorecards_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"callboard"
	"callboard/internal/browsertest"
)

// TestBrowserScorecards renders the Scorecard tab, the Scorecards page,
// one scorecard's roll-ups and the catalog filtered by level in headless
// Chromium, light at 1440 px and dark at 390 px, after a week of history.
// Screenshots go to test-artifacts/scorecards-*.png.
func TestBrowserScorecards(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	p, _ := newPortal(t)
	seedHistory(t, p.DB)
	if err := p.RunJob(t, "changes"); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, wait, want string }{
		{"tab", "/catalog/default/component/legacy/scorecard", "section.scorecard table.checks", "catalog-info.yaml:40"},
		{"page", "/scorecards", "svg.trend", "Service information completeness"},
		{"rollups", "/scorecards/service-completeness?sort=passed&dir=desc", `table[data-rollup="teams"]`, "By system"},
		{"filter", "/catalog?level=service-completeness:none", "table.entity-list", "legacy"},
	}
	for _, theme := range []struct {
		scheme string
		width  int64
	}{{"light", 1440}, {"dark", 390}} {
		for _, pg := range pages {
			name := pg.name + "-" + theme.scheme
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(theme.width, 900), colorScheme(theme.scheme),
				chromedp.Navigate(p.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.wait))); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !strings.Contains(text, pg.want) {
				t.Errorf("%s says %.600q, want %q", name, text, pg.want)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, "scorecards-"+name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The sidebar links the page, and the tab's fix links nowhere outside
	// (a file location): its line is shown as text.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/scorecards"), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/scorecards"][aria-current="page"]`))); err != nil {
		t.Errorf("sidebar link: %v", err)
	}
}

// seedHistory records a week in which the three components climb.
func seedHistory(t *testing.T, db callboard.ScorecardStore) {
	t.Helper()
	refs := []string{"component:default/checkout", "component:default/legacy", "component:default/orphan"}
	now := time.Now().UTC()
	for d := 7; d >= 1; d-- {
		at := now.AddDate(0, 0, -d)
		var rs []callboard.ScorecardResult
		for i, ref := range refs {
			level := ""
			switch {
			case i == 0 && d <= 5:
				level = "silver"
			case i == 0 || (i == 1 && d <= 3):
				level = "bronze"
			}
			rs = append(rs, callboard.ScorecardResult{Scorecard: "service-completeness", Entity: ref, Level: level, Passed: 7 - d/2, Total: 10, At: at})
		}
		if err := db.PutScorecardResults(t.Context(), rs); err != nil {
			t.Fatal(err)
		}
	}
}

// colorScheme emulates prefers-color-scheme.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
}
