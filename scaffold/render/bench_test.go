package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"callboard/internal/compattest"
	"callboard/scaffold/render"
)

// BenchmarkValue renders a typical step input: go test -bench . ./scaffold/render
func BenchmarkValue(b *testing.B) {
	input := map[string]any{
		"repoUrl": "github.com?owner=${{ parameters.bare }}&repo=${{ parameters.name }}",
		"values":  map[string]any{"name": "${{ parameters.name }}", "port": "${{ parameters.httpPort }}", "dest": "${{ parameters.repoUrl | parseRepoUrl }}"},
		"topics":  []any{"go", "${{ parameters.deployEnvs | join(',') }}"},
	}
	s := scope()
	for b.Loop() {
		if _, err := render.Value(input, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTreeCreateGoService renders the brief's skeleton (8 files).
func BenchmarkTreeCreateGoService(b *testing.B) {
	src := os.DirFS(filepath.Join(compattest.Dir(b, "templates"), "create-go-service", "skeleton"))
	values := map[string]any{"name": "svc", "description": "d", "owner": "group:x", "httpPort": 8080.0, "enableKafka": true, "enablePostgres": true}
	dir := b.TempDir()
	for b.Loop() {
		dst, err := os.MkdirTemp(dir, "t")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render.Tree(src, dst, render.TreeOptions{Values: values}); err != nil {
			b.Fatal(err)
		}
	}
}
