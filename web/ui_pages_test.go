package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callboard"
	"callboard/web"
)

// A Template's page launches its form; the demo's entities come from
// app-config (an embedded location), so none offers Unregister; the page
// language follows app.lang.
func TestEntityPageActions(t *testing.T) {
	srv, _ := newDemoServer(t, web.Options{Dev: true, Lang: "zh-CN"})
	_, body := getPage(t, srv, "/catalog/default/template/lanting-go-service")
	if !strings.Contains(body, `href="/create/templates/default/lanting-go-service"`) || !strings.Contains(body, "Launch template") {
		t.Errorf("template page lacks Launch template")
	}
	if strings.Contains(body, "<span>Unregister</span>") {
		t.Errorf("Unregister offered for an entity from app-config")
	}
	if !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Errorf("page lacks lang zh-CN: %.80s", body)
	}
	status, body := getPage(t, srv, "/catalog/default/component/notification-service")
	if status != 200 || strings.Contains(body, "Launch template") {
		t.Errorf("component page: status %d, or it offers Launch template", status)
	}
}

// Settings shows the signed-in user's profile: name, email and groups.
func TestSettingsProfile(t *testing.T) {
	_, cat := newDemoServer(t, web.Options{Dev: true})
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true})
	zhang := callboard.Principal{Subject: "user:default/zhang.wei", Ownership: []string{"user:default/zhang.wei", "group:default/payments-team"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(callboard.WithPrincipal(r.Context(), zhang)))
	}))
	t.Cleanup(srv.Close)
	_, body := getPage(t, srv, "/settings")
	for _, want := range []string{"张伟 Zhang Wei", "mailto:zhang.wei@lanting.example", `href="/catalog/default/group/payments-team"`, "user:default/zhang.wei", `data-theme-switch`} {
		if !strings.Contains(body, want) {
			t.Errorf("settings lacks %q", want)
		}
	}
}
