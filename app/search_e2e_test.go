package app

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// TestSearchE2E runs serve on a catalog with a documented component and
// checks that the one search finds the entity, a section of its docs once
// the syncer has built them (docsync → search), and an edit to its
// catalog-info.yaml (catalog → search).
func TestSearchE2E(t *testing.T) {
	dir := t.TempDir()
	comp := filepath.Join(dir, "ledger")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(comp, "docs"), 0o755))
	info := func(desc string) string {
		return fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  title: 账本服务
  description: %s
  annotations: {backstage.io/techdocs-ref: "dir:."}
spec: {type: service, lifecycle: production, owner: team-a}
`, desc)
	}
	must(os.WriteFile(filepath.Join(comp, "catalog-info.yaml"), []byte(info("Settles payments nightly")), 0o644))
	must(os.WriteFile(filepath.Join(comp, "mkdocs.yml"), []byte("site_name: Ledger\n"), 0o644))
	must(os.WriteFile(filepath.Join(comp, "docs", "index.md"), []byte("# Ledger\n\n## 部署\n\n如何部署账本服务。\n\n## Runbook\n\nPage the wombat on call.\n"), 0o644))
	cfg := fmt.Sprintf(`
backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: e2e}}
catalog:
  rules: [{allow: [Component, Location, Group]}]
  locations:
    - {type: file, target: %s}
`, filepath.Join(dir, "cb.sqlite"), e2eToken, filepath.Join(comp, "catalog-info.yaml"))
	path := filepath.Join(dir, "app-config.yaml")
	must(os.WriteFile(path, []byte(cfg), 0o644))
	s := startServe(t, path)

	type resultSet struct {
		Results []struct {
			Type     string         `json:"type"`
			Document map[string]any `json:"document"`
		} `json:"results"`
		NumberOfResults int `json:"numberOfResults"`
	}
	first := func(query string) (typ, location string) {
		var rs resultSet
		if code := s.call(t, "GET", "/api/search/query?"+query, nil, &rs); code != 200 || len(rs.Results) == 0 {
			return "", ""
		}
		loc, _ := rs.Results[0].Document["location"].(string)
		return rs.Results[0].Type, loc
	}
	waitFor(t, "the entity to be searchable", func() bool {
		_, loc := first("term=" + url.QueryEscape("账本"))
		return loc == "/catalog/default/component/ledger"
	}, s.stderr)
	waitFor(t, "a docs section to be searchable", func() bool {
		typ, loc := first("term=wombat&types%5B0%5D=techdocs")
		return typ == "techdocs" && loc == "/docs/default/component/ledger/#runbook"
	}, s.stderr)
	must(os.WriteFile(filepath.Join(comp, "catalog-info.yaml"), []byte(info("Settles payments nightly with quokkas")), 0o644))
	waitFor(t, "the edit to be searchable", func() bool {
		_, loc := first("term=quokkas")
		return loc == "/catalog/default/component/ledger"
	}, s.stderr)
}
