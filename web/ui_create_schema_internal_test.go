package web

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFormPages(t *testing.T) {
	params := mustJSON(t, `{
	  "title": "Only page",
	  "required": ["repo"],
	  "ui:order": ["repo", "*", "level"],
	  "properties": {
	    "level": {"type": "integer", "enum": [1, 2], "enumNames": ["Low", "High"], "default": 2},
	    "repo": {"type": "string", "ui:field": "RepoUrlPicker", "default": "github.com?owner=acme&repo=web",
	             "ui:options": {"allowedHosts": ["github.com", "ghe.example.com"], "allowedOwners": ["acme", "corp"]}},
	    "token": {"type": "string", "ui:field": "Secret"},
	    "hidden": {"type": "string", "ui:widget": "hidden"},
	    "db": {"type": "object", "title": "Database", "required": ["engine"], "properties": {
	      "engine": {"type": "string", "enum": ["pg", "mysql"]},
	      "size": {"type": "number", "minimum": 1}}},
	    "extra": {"type": "object"},
	    "notes": {"type": "string", "ui:widget": "textarea", "ui:help": "Markdown", "ui:placeholder": "Say more"},
	    "name": {"type": "string", "ui:field": "EntityNamePicker"}
	  }}`)
	pages, err := formPages(params)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages[0].Title != "Only page" {
		t.Fatalf("pages = %+v, want one titled Only page", pages)
	}
	var order []string
	by := map[string]formField{}
	for _, f := range pages[0].Fields {
		order = append(order, f.Path)
		by[f.Path] = f
	}
	if want := []string{"repo", "db", "extra", "name", "notes", "token", "level"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v (ui:order with *, hidden left out)", order, want)
	}
	repo := by["repo"]
	if repo.Widget != "repourl" || !repo.Required || repo.Repo.Host != "github.com" || repo.Repo.Owner != "acme" || repo.Repo.Name != "web" ||
		!slices.Equal(repo.Repo.Owners, []string{"acme", "corp"}) || len(repo.Repo.Hosts) != 2 {
		t.Errorf("repo = %+v", repo)
	}
	level := by["level"]
	if level.Widget != "select" || len(level.Options) != 2 || level.Options[1].Label != "High" || level.Options[1].Value != "2" || !level.Options[1].Selected {
		t.Errorf("level = %+v, want a select of Low/High with High chosen", level)
	}
	if by["token"].Widget != "secret" {
		t.Errorf("token widget = %q, want secret", by["token"].Widget)
	}
	db := by["db"]
	if db.Widget != "object" || len(db.Children) != 2 || db.Children[0].Path != "db.engine" || !db.Children[0].Required || db.Children[1].Minimum != "1" {
		t.Errorf("db = %+v, want an object with db.engine (required) and db.size", db)
	}
	if by["extra"].Widget != "json" {
		t.Errorf("extra widget = %q, want json for an object without properties", by["extra"].Widget)
	}
	notes := by["notes"]
	if notes.Widget != "textarea" || notes.Help != "Markdown" || notes.Placeholder != "Say more" {
		t.Errorf("notes = %+v", notes)
	}
	if n := by["name"]; n.Widget != "entityname" || n.Pattern == "" || n.MaxLength != "63" {
		t.Errorf("name = %+v, want Backstage's entity name rule", n)
	}
}

func TestFormPagesBad(t *testing.T) {
	for _, raw := range []string{`"text"`, `[1]`, `[{"title": "ok"}, "x"]`} {
		if _, err := formPages(mustJSON(t, raw)); err == nil {
			t.Errorf("formPages(%s) = nil error, want one naming the bad part", raw)
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

func TestFormDependencies(t *testing.T) {
	params := mustJSON(t, `[{
	  "properties": {"db": {"type": "string", "enum": ["none", "pg", "mysql"]}, "debug": {"type": "boolean"}},
	  "dependencies": {
	    "db": {"oneOf": [
	      {"properties": {"db": {"const": "none"}}},
	      {"properties": {"db": {"enum": ["pg"]}, "dbName": {"type": "string"}}, "required": ["dbName"]},
	      {"properties": {"db": {"const": "mysql"}, "dbName": {"type": "string"}, "charset": {"type": "string"}}}
	    ]},
	    "debug": {"properties": {"level": {"type": "integer"}}},
	    "x": ["y"]
	  }}]`)
	pages, err := formPages(params)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]formField{}
	for _, f := range pages[0].Fields {
		got[f.Path] = f
	}
	if f := got["dbName"]; f.When != "db" || f.WhenValues != `["pg","mysql"]` || !f.Required {
		t.Errorf("dbName = when %q %s required %v, want shown for pg and mysql, required", f.When, f.WhenValues, f.Required)
	}
	if f := got["charset"]; f.When != "db" || f.WhenValues != `["mysql"]` {
		t.Errorf("charset = when %q %s, want mysql only", f.When, f.WhenValues)
	}
	if f := got["level"]; f.When != "debug" || f.WhenValues != "null" && f.WhenValues != "[]" {
		t.Errorf("level = when %q %s, want any value of debug", f.When, f.WhenValues)
	}
	if len(pages[0].Fields) != 5 {
		t.Errorf("fields = %d, want db, debug and three dependent ones", len(pages[0].Fields))
	}
}
