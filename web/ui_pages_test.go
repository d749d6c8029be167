package web_test

import (
	"strings"
	"testing"

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
