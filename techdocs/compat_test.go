package techdocs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/techdocs"
)

// docsTrees returns the folders holding mkdocs.yml under pattern; with none
// it skips, or fails when CI=true (the shared compat data must be there).
func docsTrees(t *testing.T, pattern string) []string {
	t.Helper()
	dirs, _ := filepath.Glob(pattern)
	if len(dirs) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no docs trees match %s", pattern)
		}
		t.Skipf("no docs trees match %s", pattern)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

// TestBuildCompatSkeletons builds the docs of Backstage's template
// skeletons, ${{ values.x }} placeholders and all, without Python.
func TestBuildCompatSkeletons(t *testing.T) {
	for _, dir := range docsTrees(t, filepath.Join("..", "..", "shared", "compat", "templates", "*", "skeleton", "mkdocs.yml")) {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			testBuildTree(t, dir)
		})
	}
}

// TestBuildDemoDocs builds the demo catalog's component docs.
func TestBuildDemoDocs(t *testing.T) {
	for _, dir := range docsTrees(t, filepath.Join("..", "demo", "catalog", "components", "*", "mkdocs.yml")) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testBuildTree(t, dir)
		})
	}
}

func testBuildTree(t *testing.T, dir string) {
	t.Helper()
	site, err := techdocs.Build(os.DirFS(dir), techdocs.BuildOptions{})
	if err != nil {
		t.Fatalf("Build(%s): %v", dir, err)
	}
	if len(site.Warnings) > 0 {
		t.Errorf("warnings: %v", site.Warnings)
	}
	home, ok := site.PageByURL("")
	if !ok || !strings.Contains(string(home.HTML), "<h") {
		t.Fatalf("no rendered home page")
	}
	if len(site.Nav) == 0 {
		t.Errorf("empty nav")
	}
	if err := techdocs.Write(site, nil, t.TempDir()); err != nil {
		t.Fatalf("Write: %v", err)
	}
}
