package web

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCreateTaskSafeURL: output links may be http(s) or paths on this
// site; //host and /\host (which browsers read as //host) are refused.
func TestCreateTaskSafeURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://github.com/o/r":       true,
		"http://example.com":           true,
		"/catalog/default/component/x": true,
		"/a\\b":                        true,
		"":                             false,
		"javascript:alert(1)":          false,
		"//evil.com":                   false,
		"/\\evil.com":                  false,
		"/\\/evil.com":                 false,
		"relative/path":                false,
		"/\tevil.com":                  false,
		"data:text/html,<script>":      false,
	} {
		if got := safeURL(s); got != want {
			t.Errorf("safeURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestOutputOf(t *testing.T) {
	links, texts := outputOf(json.RawMessage(`{
	  "links": [
	    {"title": "Repo", "url": "https://github.com/acme/web", "icon": "github"},
	    {"title": "Evil", "url": "javascript:alert(1)"},
	    {"entityRef": "component:default/web", "icon": "catalog"},
	    {"title": "Bad ref", "entityRef": ""}
	  ],
	  "text": [{"title": "Next", "content": "**Done**<script>alert(1)</script> [x](javascript:alert(1))"}]}`))
	if len(links) != 2 || links[0].URL != "https://github.com/acme/web" || links[1].URL != "/catalog/default/component/web" || !links[1].Entity || links[1].Title != "web" {
		t.Errorf("links = %+v, want the repo and the entity, not the javascript: link", links)
	}
	if len(texts) != 1 {
		t.Fatalf("texts = %+v", texts)
	}
	html := string(texts[0].HTML)
	if !strings.Contains(html, "<strong>Done</strong>") || strings.Contains(html, "<script") || strings.Contains(html, "javascript:") {
		t.Errorf("text = %s, want Markdown rendered with no script or javascript: link", html)
	}
}
