package descriptor_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard/descriptor"
)

func TestLinkWarnings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"http, https, mailto and site paths pass", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  annotations:
    backstage.io/view-url: https://github.com/o/r/blob/main/catalog-info.yaml
    backstage.io/source-location: url:https://github.com/o/r/tree/main/
  links:
    - url: https://example.com
    - url: http://localhost:3000
    - url: mailto:team@example.com
spec: {type: service, lifecycle: production, owner: team-a}
`, nil},
		{"script and data schemes warn, naming the field", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  annotations:
    backstage.io/view-url: "javascript:alert('view')"
    backstage.io/edit-url: "data:text/html,<script>alert(1)</script>"
    backstage.io/source-location: "url:javascript:alert('src')"
  links:
    - url: https://example.com
    - url: "javascript:alert(1)"
    - url: "vbscript:msgbox(1)"
spec: {type: service, lifecycle: production, owner: team-a}
`, []string{
			"metadata.links[1].url: scheme javascript: is not shown as a link; use http, https or mailto",
			"metadata.links[2].url: scheme vbscript: is not shown as a link; use http, https or mailto",
			"metadata.annotations.backstage.io/view-url: scheme javascript: is not shown as a link; use http, https or mailto",
			"metadata.annotations.backstage.io/edit-url: scheme data: is not shown as a link; use http, https or mailto",
			"metadata.annotations.backstage.io/source-location: scheme javascript: is not shown as a link; use url: with an http or https URL",
		}},
		{"file source locations are not links and do not warn", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  annotations:
    backstage.io/source-location: file:/srv/repo/
spec: {type: service, lifecycle: production, owner: team-a}
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ps := descriptor.Validate(mustParseOne(t, tt.yaml))
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			var got []string
			for _, p := range descriptor.LinkWarnings(e) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
