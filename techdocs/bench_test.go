package techdocs_test

import (
	"testing"
	"testing/fstest"

	"callboard/techdocs"
	"callboard/techdocs/internal/sitegen"
)

func generatedSite(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range sitegen.Files(n) {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// TestGeneratedSiteBuildsCleanly keeps the benchmark input honest: every
// link resolves and every page renders.
func TestGeneratedSiteBuildsCleanly(t *testing.T) {
	site, err := techdocs.Build(generatedSite(100), techdocs.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(site.Pages) != 100 {
		t.Errorf("built %d pages, want 100", len(site.Pages))
	}
	if len(site.Warnings) > 0 {
		t.Errorf("warnings: %v", site.Warnings)
	}
}

func BenchmarkBuild100Pages(b *testing.B) {
	fsys := generatedSite(100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := techdocs.Build(fsys, techdocs.BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildWrite100Pages is what `callboard docs generate` does after
// process start: build the site and write it out.
func BenchmarkBuildWrite100Pages(b *testing.B) {
	fsys := generatedSite(100)
	out := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		site, err := techdocs.Build(fsys, techdocs.BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := techdocs.Write(site, nil, out); err != nil {
			b.Fatal(err)
		}
	}
}
