package pagerduty_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callboard/internal/browsertest"
	"callboard/internal/pagerdutyfake"
)

// TestBrowserPagerDutyCard shows the card in real Chromium, then triggers
// an incident with the card's form, without script, as a user does; the
// card's screenshots go to test-artifacts/pagerduty-*.png (or
// $CALLBOARD_ARTIFACTS).
func TestBrowserPagerDutyCard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", "") // dev mode: anyone may trigger
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	card := chromedp.CSS(`[data-plugin-panel="pagerduty"]`)
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.Screenshot(card))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "pagerduty-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, "open the page",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(portal.URL+"/catalog/default/component/payments"),
		chromedp.WaitVisible(card),
	)
	text, err := chromedp.Run(ctx, chromedp.Text(card))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"On call now", "Jane Doe", "Checkout latency above 2s", "Deploy payments v2.4.1", "Trigger incident"} {
		if !strings.Contains(text, want) {
			t.Errorf("the card lacks %q: %s", want, text)
		}
	}
	shot("card")
	run(t, ctx, "trigger",
		chromedp.Click(chromedp.CSS(`.pagerduty-trigger summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#pd-title`)),
		chromedp.SendKeys(chromedp.CSS(`#pd-title`), "Card test incident"),
		chromedp.SendKeys(chromedp.CSS(`#pd-description`), "sent from the browser"),
	)
	shot("form")
	run(t, ctx, "submit", chromedp.Click(chromedp.CSS(`.pagerduty-trigger button[type="submit"]`)))
	// The card's urgency dots are .status too, so wait for the confirmation
	// itself on the page the form redirects to (evaluations during the
	// navigation fail and are tried again).
	confirmed := false
	for deadline := time.Now().Add(20 * time.Second); !confirmed && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		confirmed, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-plugin-panel="pagerduty"]')?.textContent.includes('Incident triggered by')`))
	}
	if !confirmed {
		text, _ := chromedp.Run(ctx, chromedp.Text(card))
		t.Errorf("after the form the card says %q", text)
	}
	if ev := pd.Events(); len(ev) != 1 || ev[0].Payload.Summary != "Card test incident" {
		t.Errorf("events = %+v", ev)
	}
}

func run(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
