package web_test

import (
	"regexp"
	"strings"
	"testing"

	"callboard/web"
)

const scriptLinksYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: links
  annotations:
    backstage.io/view-url: "javascript:alert('view')"
    backstage.io/edit-url: "https://github.com/o/r/edit/main/catalog-info.yaml"
  links:
    - url: https://grafana.example.com/d/links
      title: Dashboard
    - url: "javascript:alert(document.cookie)"
      title: Run me
    - url: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
    - url: "vbscript:msgbox(1)"
      title: VB
    - url: "mailto:team@example.com"
      title: Mail
spec: {type: service, lifecycle: production, owner: team-a}
`

// TestAttackJavascriptLink: links with javascript:, data: and vbscript:
// addresses are shown as text, not as (dead #ZgotmplZ) anchors, and the
// entity's status warns about each, naming the field.
func TestAttackJavascriptLink(t *testing.T) {
	srv, _, _ := newFileServer(t, web.Options{Dev: true}, scriptLinksYAML)
	status, body := getPage(t, srv, "/catalog/default/component/links")
	if status != 200 {
		t.Fatalf("entity page: status %d; %.300s", status, body)
	}
	if strings.Contains(body, "ZgotmplZ") {
		t.Errorf("the page has a #ZgotmplZ anchor: an address html/template refused was rendered as a link")
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1)
	for _, h := range hrefs {
		for _, scheme := range []string{"javascript:", "data:", "vbscript:"} {
			if strings.HasPrefix(strings.ToLower(h[1]), scheme) {
				t.Errorf("the page links to %q", h[1])
			}
		}
	}
	for _, want := range []string{
		`href="https://grafana.example.com/d/links"`,
		`href="mailto:team@example.com"`,
		`href="https://github.com/o/r/edit/main/catalog-info.yaml"`,
		// The refused addresses are shown as text.
		"<code>javascript:alert(document.cookie)</code>",
		"<code>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</code>",
		"<code>vbscript:msgbox(1)</code>",
		"<code>javascript:alert(&#39;view&#39;)</code>",
		// The warning banner.
		"metadata.links[1].url: scheme javascript: is not shown as a link; use http, https or mailto",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("entity page lacks %s", want)
		}
	}

	var e struct {
		Status struct {
			Items []struct{ Type, Level, Message string }
		}
	}
	mustGet(t, srv, "/api/catalog/entities/by-name/component/default/links", 200, &e)
	want := map[string]bool{
		"metadata.links[1].url: scheme javascript: is not shown as a link; use http, https or mailto":                      false,
		"metadata.links[2].url: scheme data: is not shown as a link; use http, https or mailto":                            false,
		"metadata.links[3].url: scheme vbscript: is not shown as a link; use http, https or mailto":                        false,
		"metadata.annotations.backstage.io/view-url: scheme javascript: is not shown as a link; use http, https or mailto": false,
	}
	for _, it := range e.Status.Items {
		if _, ok := want[it.Message]; !ok {
			t.Errorf("unexpected status item %+v", it)
			continue
		}
		if it.Level != "warning" || it.Type != "backstage.io/catalog-processing" {
			t.Errorf("status item %q: level %q type %q, want warning backstage.io/catalog-processing", it.Message, it.Level, it.Type)
		}
		want[it.Message] = true
	}
	for msg, seen := range want {
		if !seen {
			t.Errorf("no status item %q", msg)
		}
	}
}
