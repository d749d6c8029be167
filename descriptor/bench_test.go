package descriptor_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"callboard/bench/orggen"
	"callboard/descriptor"
)

// benchFiles generates a small org with orggen (the files the catalog
// bench ingests) and returns two of its files: a repo's catalog-info.yaml
// (a Component and its API with an inline OpenAPI definition, the common
// file at 100k) and a chunk of 500 Users.
func benchFiles(b *testing.B) (repo, chunk []byte) {
	b.Helper()
	dir := b.TempDir()
	if _, err := orggen.Generate(dir, 2000, 1); err != nil {
		b.Fatal(err)
	}
	repos, err := filepath.Glob(filepath.Join(dir, "repos", "*", "catalog-info.yaml"))
	if err != nil || len(repos) == 0 {
		b.Fatalf("no repo files: %v", err)
	}
	for _, p := range repos {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if bytes.Contains(data, []byte("kind: API")) && len(data) > len(repo) {
			repo = data
		}
	}
	chunk, err = os.ReadFile(filepath.Join(dir, "org", "users-000.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	return repo, chunk
}

// BenchmarkParseStream parses realistic files as the catalog does.
func BenchmarkParseStream(b *testing.B) {
	repo, chunk := benchFiles(b)
	for _, bc := range []struct {
		name string
		data []byte
	}{{"repo", repo}, {"chunk", chunk}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				ps := descriptor.ParseStream("f.yaml", bytes.NewReader(bc.data), descriptor.Limits{}, func(*descriptor.Doc) { n++ })
				if len(ps) > 0 || n == 0 {
					b.Fatalf("%d docs, problems %v", n, ps)
				}
			}
		})
	}
}

// BenchmarkParseStreamExport parses an org's export of all its APIs as one
// file (orggen's kinds layout), the stream the catalog reads from a big
// catalog.locations file.
func BenchmarkParseStreamExport(b *testing.B) {
	dir := b.TempDir()
	if _, err := orggen.GenerateLayout(dir, 2000, 1, orggen.LayoutKinds); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "apis.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		lim := descriptor.Limits{MaxFileBytes: descriptor.DefaultMaxTrustedFileBytes}
		if ps := descriptor.ParseStream("apis.yaml", bytes.NewReader(data), lim, func(*descriptor.Doc) {}); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}

// BenchmarkRead is ParseStream, Validate and Edges: descriptor's share of
// reading one repo file.
func BenchmarkRead(b *testing.B) {
	repo, _ := benchFiles(b)
	b.SetBytes(int64(len(repo)))
	b.ReportAllocs()
	for b.Loop() {
		descriptor.ParseStream("f.yaml", bytes.NewReader(repo), descriptor.Limits{}, func(d *descriptor.Doc) {
			e, ps := descriptor.Validate(d)
			if e == nil {
				b.Fatal(ps)
			}
			descriptor.Edges(e)
		})
	}
}
