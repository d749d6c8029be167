package idp

import (
	"context"
	"encoding/json"
	"fmt"
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
	"callboard/plugin/plugintest"
	"callboard/scorecard"
	"callboard/store/storetest"
)

// TestBrowserIDPMetrics renders the IDP metrics page after two weeks of
// snapshots, light at 1440 px and dark at 390 px. Screenshots go to
// test-artifacts/idp-*.png.
func TestBrowserIDPMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	db := storetest.Open(t)
	now := time.Now().UTC()
	var entities []*callboard.Entity
	for i := range 8 {
		entities = append(entities, &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: fmt.Sprintf("svc-%d", i), Namespace: "default"}})
	}
	// Two weeks in which completeness climbs from 20% to 75% and users from 3 to 16.
	for d := 13; d >= 0; d-- {
		day := now.AddDate(0, 0, -d)
		m := Metrics{ServiceCompleteness: ratio(8-d/2-2, 8), DocsFreshness: ratio(10-d/3, 12), MonthlyActiveUsers: ActiveUsers{Value: 16 - d, Month: day.Format("2006-01")},
			NewServiceLeadTime: LeadTime{P50Seconds: float64(3600 * (30 - d)), P90Seconds: float64(3600 * (50 - d)), Samples: 14 - d}, ComputedAt: day}
		body, _ := json.Marshal(m)
		if err := db.PutIDPSnapshot(t.Context(), day.Format(time.DateOnly), body); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range []callboard.TaskStatus{callboard.TaskCompleted, callboard.TaskCompleted, callboard.TaskFailed} {
		task, err := db.CreateTask(t.Context(), json.RawMessage(`{"templateInfo":{"entityRef":"template:default/go-service"}}`), "user:default/jane", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.ClaimTask(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishTask(t.Context(), task.ID, st, nil); err != nil {
			t.Fatal(err, i)
		}
	}
	m := New(Sources{Entities: func(ctx context.Context) ([]*callboard.Entity, error) { return entities, nil }, Tasks: db, Store: db})
	p := plugintest.New(t, Plugin(m), plugintest.Options{})
	var results []callboard.ScorecardResult
	for i, e := range entities[:6] {
		results = append(results, callboard.ScorecardResult{Scorecard: scorecard.DefaultID, Entity: e.Ref().String(), Passed: 6 - i%2, Total: 6, At: now})
	}
	if err := p.DB.PutScorecardResults(t.Context(), results); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"user:default/jane", "user:default/john"} {
		m.SeenUser(t.Context(), u)
	}
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, theme := range []struct {
		scheme string
		width  int64
	}{{"light", 1440}, {"dark", 390}} {
		name := "idp-" + theme.scheme
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(theme.width, 900), colorScheme(theme.scheme),
			chromedp.Navigate(p.URL+"/idp"), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="completeness"] polyline`))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		// 3 of 8 components pass every check; 2 users this month; 2 of 3 tasks completed.
		for _, want := range []string{"Service information completeness", "38%", "3 of 8 components", "distinct signed-in users", "template:default/go-service", "67%", "Export CSV"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q: %.800q", name, want, text)
			}
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/idp"), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/idp"][aria-current="page"]`))); err != nil {
		t.Errorf("sidebar link: %v", err)
	}
}

func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
}
