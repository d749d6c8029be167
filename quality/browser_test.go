package quality

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"callboard/internal/browsertest"
	"callboard/plugin/plugintest"
)

// TestBrowserDataQuality renders the Data quality page (light, 1440 px;
// dark, 390 px), reviews the orphans' dry run and confirms it: the page
// then says how many were deleted. Screenshots: test-artifacts/quality-*.png.
func TestBrowserDataQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	now := time.Now().UTC()
	var mu sync.Mutex
	entities := []Stored{
		{Entity: ent("Group", "default", "payments", map[string]any{"members": []any{"user:default/jane"}}), Refreshed: now},
		{Entity: ent("Component", "default", "checkout", map[string]any{"owner": "payments", "dependsOn": []any{"component:default/ledger"}}), Refreshed: now},
		{Entity: ent("Component", "default", "legacy-billing", map[string]any{"owner": "payments"}), Orphan: true, Refreshed: now},
		{Entity: ent("API", "default", "old-api", map[string]any{"owner": "payments"}), Orphan: true, Refreshed: now},
		{Entity: ent("Component", "default", "search", map[string]any{"owner": "team-gone"}), Refreshed: now.AddDate(0, 0, -45)},
		{Entity: ent("Component", "payments", "checkout", map[string]any{"owner": "group:default/payments"}), Refreshed: now},
	}
	for i := range entities {
		entities[i].Entity.Metadata.UID = "uid-" + entities[i].Entity.Metadata.Namespace + "-" + entities[i].Entity.Metadata.Name
	}
	q := New(Sources{
		Entities: func(ctx context.Context) ([]Stored, error) {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(entities), nil
		},
		Delete: func(ctx context.Context, uid string) error {
			mu.Lock()
			defer mu.Unlock()
			entities = slices.DeleteFunc(entities, func(s Stored) bool { return s.Entity.Metadata.UID == uid })
			return nil
		},
	})
	p := plugintest.New(t, Plugin(q), plugintest.Options{})
	q.src.Audit = p.DB
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
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
		if err := os.WriteFile(filepath.Join(dir, "quality-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, theme := range []struct {
		scheme string
		width  int64
	}{{"light", 1440}, {"dark", 390}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(theme.width, 900), colorScheme(theme.scheme),
			chromedp.Navigate(p.URL+"/quality"), chromedp.WaitVisible(chromedp.CSS(`section[data-problem="duplicate"]`))); err != nil {
			t.Fatalf("%s: %v", theme.scheme, err)
		}
		got := text()
		for _, want := range []string{"Source orphans", "component:default/legacy-billing", "its owner group:default/team-gone does not exist",
			"not refreshed from its source for 45 days", "spec.dependsOn: component:default/ledger does not exist", "component:payments/checkout"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s page lacks %q: %.900q", theme.scheme, want, got)
			}
		}
		shot("page-" + theme.scheme)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), colorScheme("light"),
		chromedp.Click(chromedp.CSS(`a[href="/quality/orphans"]`)), chromedp.WaitVisible(chromedp.CSS(`button[name="confirm"]`))); err != nil {
		t.Fatalf("review orphans: %v", err)
	}
	if got := text(); !strings.Contains(got, "Dry run: 2 source orphans would be deleted") {
		t.Errorf("dry run page: %.600q", got)
	}
	shot("orphans")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[name="confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`section[data-problem="orphan"]`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if got := text(); !strings.Contains(got, "Deleted 2 source orphans") || strings.Contains(got, "legacy-billing") {
		t.Errorf("after confirming: %.600q", got)
	}
	shot("deleted")
}

func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
}
