package render_test

import (
	"testing"

	"callboard/scaffold/render"
)

// FuzzString checks that no template text makes rendering panic; errors are
// fine. Run longer with: go test -fuzz FuzzString ./scaffold/render
func FuzzString(f *testing.F) {
	for _, s := range []string{
		"${{ parameters.name }}", "{% for x in parameters.deployEnvs %}${{ x }}{% endfor %}",
		"${{ parameters.nested.a.b[0].c | dump }}", "${{ (parameters.repoUrl | parseRepoUrl).owner }}",
		"{% if parameters.x %}${{ 1/0 }}{% endif %}", "${{ parameters.owner | parseEntityRef({ defaultKind: 'group' }) | pick('name') }}",
		"${{ parameters.deployEnvs[5] }}", "${{ range(3) | join }}", "{% set x = {'a': [1, 2]} %}${{ x.a[1] + x['a'][0] }}",
		"${{ parameters.name.split('-') | first }}", "${{ lipsum(1) }}", "{% macro m(a) %}${{ a }}{% endmacro %}${{ m(2) }}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		render.String(s, scope())                     //nolint:errcheck // only panics matter
		render.Value(map[string]any{"k": s}, scope()) //nolint:errcheck // only panics matter
	})
}
