package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"callboard/auth"
)

// TestBrowserSignIn signs in through the sign-in page with OIDC (mockoidc
// in process) in real Chromium, as zhang.wei of the demo catalog, and
// checks the header and "Owned by me"; then signs out.
func TestBrowserSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	mc := m.Config()
	s := newSignInServer(t, auth.Options{
		OIDC: map[string]auth.OIDCConfig{"development": {
			MetadataURL: mc.Issuer + "/.well-known/openid-configuration", ClientID: mc.ClientID, ClientSecret: mc.ClientSecret,
		}},
		Guest: &auth.GuestConfig{},
	}, nil)
	u := s.URL
	m.QueueUser(&mockoidc.MockUser{Subject: "00u-zhang", Email: "zhang.wei@lanting.example", EmailVerified: true, PreferredUsername: "zhang.wei"})

	// Outside dev mode an anonymous visitor is sent to the sign-in page.
	step(t, ctx, "sign-in page",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(u+"/catalog"),
		chromedp.WaitVisible(css(".providers .provider-oidc")),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/signin?redirect=%2Fcatalog") {
		t.Errorf("anonymous /catalog led to %s, want the sign-in page", loc)
	}
	if text := get(t, ctx, "providers", chromedp.Text(css(".providers"))); !strings.Contains(text, "Single sign-on") || !strings.Contains(text, "Guest") {
		t.Errorf("providers = %q", text)
	}
	step(t, ctx, "sign in with OIDC",
		chromedp.Click(css(".providers .provider-oidc")),
		chromedp.WaitVisible(css(".userbox")),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/catalog") {
		t.Errorf("after sign-in the browser is at %s, want back at /catalog", loc)
	}
	if text := get(t, ctx, "userbox", chromedp.Text(css(".userbox"))); !strings.Contains(text, "张伟 Zhang Wei") || !strings.Contains(text, "支付团队 Payments") {
		t.Errorf("header = %q, want the user's and the group's display names", text)
	}
	step(t, ctx, "home", chromedp.Navigate(u+"/"), chromedp.WaitVisible(css("#team-h")))
	if text := get(t, ctx, "owned by me", chromedp.Text(css(".card.span-8"))); !strings.Contains(text, "Owned by me") || !strings.Contains(text, "payment-service") {
		t.Errorf("home card = %q, want what payments-team owns", text)
	}
	shootPages(t, ctx, u, artifacts(t), "signin-", []shotPage{
		{"home", "/", ".userbox"},
		{"user", "/catalog/default/user/zhang.wei", ".userbox"},
	})
	step(t, ctx, "sign out",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(u+"/"),
		chromedp.WaitVisible(css(".userbox button")),
		chromedp.Click(css(".userbox button")),
		chromedp.WaitVisible(css(".notice")),
	)
	if n := get(t, ctx, "userbox after sign out", chromedp.Evaluate[int](`document.querySelectorAll(".userbox").length`)); n != 0 {
		t.Error("still signed in after sign out")
	}
	shootPages(t, ctx, u, artifacts(t), "signin-", []shotPage{{"page", "/signin", ".providers"}})
}
