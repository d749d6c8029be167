package scorecards

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"callboard"
	"callboard/plugin"
)

func TestSourceLine(t *testing.T) {
	src := &source{url: "https://github.com/acme/shop/blob/main/catalog-info.yaml", data: []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
spec:
  owner: shop
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  owner: payments
`)}
	checkout := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "checkout", Namespace: "default"}}
	tests := []struct {
		e           *callboard.Entity
		field, href string
	}{
		{checkout, "spec.owner", "https://github.com/acme/shop/blob/main/catalog-info.yaml#L16"},
		{checkout, "spec.system", "https://github.com/acme/shop/blob/main/catalog-info.yaml#L14"},          // where it goes: spec
		{checkout, "metadata.description", "https://github.com/acme/shop/blob/main/catalog-info.yaml#L10"}, // metadata
		{checkout, "metadata.annotations", "https://github.com/acme/shop/blob/main/catalog-info.yaml#L12"},
		{&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "cart"}}, "spec.owner", "https://github.com/acme/shop/blob/main/catalog-info.yaml#L6"},
		{&callboard.Entity{Kind: "API", Metadata: callboard.Metadata{Name: "checkout"}}, "spec.owner", ""},
	}
	for _, tc := range tests {
		href, text := src.link(tc.e, tc.field)
		if href != tc.href || (href != "" && text == "") {
			t.Errorf("link(%s, %s) = %q %q, want %q", tc.e.Metadata.Name, tc.field, href, text, tc.href)
		}
	}
	if _, text := src.link(checkout, "spec.owner"); text != "catalog-info.yaml line 16" {
		t.Errorf("text = %q", text)
	}
	file := &source{path: "/srv/catalog/catalog-info.yaml", data: src.data}
	if href, text := file.link(checkout, "spec.owner"); href != "" || text != "catalog-info.yaml:16" {
		t.Errorf("file link = %q %q", href, text)
	}
	if href, text := (&source{data: []byte("kind: [\n")}).link(checkout, "spec"); href != "" || text != "" {
		t.Errorf("malformed YAML = %q %q", href, text)
	}
}

// TestSourceOfReadsOnlyCatalogFiles: a file: location is read only when
// it is a regular YAML file of catalog size.
func TestSourceOfReadsOnlyCatalogFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "catalog-info.yaml")
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(good, []byte("kind: Component\nmetadata: {name: a}\n"), 0o644)
	os.WriteFile(big, make([]byte, maxSource+1), 0o644)
	b := &board{env: plugin.Env{Log: slog.New(slog.DiscardHandler)}}
	for loc, want := range map[string]bool{
		"file:" + good: true, "file:/dev/zero": false, "file:/etc/passwd": false, "file:" + big: false,
		"file:" + dir: false, "url:https://example.com/catalog-info.yaml": false, "embedded:/catalog-info.yaml": false,
	} {
		e := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "a", Annotations: map[string]string{callboard.AnnotationManagedByLocation: loc}}}
		if got := b.sourceOf(t.Context(), e) != nil; got != want {
			t.Errorf("sourceOf(%s) read = %v, want %v", loc, got, want)
		}
	}
}
