package scorecards

import (
	"testing"

	"callboard"
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
