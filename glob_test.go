package callboard_test

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"callboard"
)

// TestGlobFSMatchesWalk: GlobFS, which reads only the directories a
// pattern leads into, finds exactly the files that walking the whole tree
// and testing each with MatchPath finds, for random trees and patterns.
func TestGlobFSMatchesWalk(t *testing.T) {
	names := []string{"a", "b", "repos", ".hidden", "x.yaml", "catalog-info.yaml"}
	segs := []string{"*", "**", "a", "b", "repos", "*.yaml", "?", "[ab]", "catalog-info.yaml", "x.yaml", "nope"}
	rng := rand.New(rand.NewPCG(1, 2))
	for tree := range 200 {
		fsys := fstest.MapFS{}
		for range 1 + rng.IntN(30) {
			var parts []string
			for range 1 + rng.IntN(4) {
				parts = append(parts, names[rng.IntN(len(names))])
			}
			p := strings.Join(parts, "/")
			if !hasPrefixFile(fsys, p) {
				fsys[p] = &fstest.MapFile{Data: []byte("x")}
			}
		}
		for range 20 {
			var parts []string
			for range 1 + rng.IntN(4) {
				parts = append(parts, segs[rng.IntN(len(segs))])
			}
			pattern := strings.Join(parts, "/")
			got, err := callboard.GlobFS(fsys, pattern, func(_ string, err error) error { return err })
			if err != nil {
				t.Fatalf("tree %d, %q: %v", tree, pattern, err)
			}
			var want []string
			fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && callboard.MatchPath(pattern, p) {
					want = append(want, p)
				}
				return nil
			})
			if !slices.Equal(got, want) {
				t.Fatalf("tree %d %v, %q: GlobFS %q, walk %q", tree, keys(fsys), pattern, got, want)
			}
		}
	}
}

// hasPrefixFile reports whether a file of fsys is a directory on p's path,
// or p is a directory of one, which a tree cannot hold.
func hasPrefixFile(fsys fstest.MapFS, p string) bool {
	for f := range fsys {
		if strings.HasPrefix(p+"/", f+"/") || strings.HasPrefix(f+"/", p+"/") {
			return true
		}
	}
	return false
}

func keys(fsys fstest.MapFS) []string {
	var out []string
	for k := range fsys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestGlobFSSkip: a directory that cannot be listed goes to skip, which
// decides whether the glob goes on; a missing name matches nothing.
func TestGlobFSSkip(t *testing.T) {
	broken := errors.New("cannot list")
	fsys := failingFS{FS: fstest.MapFS{
		"repos/a/catalog-info.yaml": {}, "locked/b/catalog-info.yaml": {},
	}, fail: "locked", err: broken}
	got, err := callboard.GlobFS(fsys, "*/*/catalog-info.yaml", func(string, error) error { return nil })
	if err != nil || !slices.Equal(got, []string{"repos/a/catalog-info.yaml"}) {
		t.Errorf("skipping: %q, %v", got, err)
	}
	if _, err := callboard.GlobFS(fsys, "locked/*/catalog-info.yaml", func(_ string, err error) error { return err }); !errors.Is(err, broken) {
		t.Errorf("not skipping: err %v, want %v", err, broken)
	}
	if got, err := callboard.GlobFS(fsys, "missing/*/x.yaml", func(_ string, err error) error { return err }); err != nil || len(got) != 0 {
		t.Errorf("missing directory: %q, %v", got, err)
	}
}

// TestGlobFSFuncStreams: GlobFSFunc hands over each match as the walk
// reaches it, and an error from its func ends the glob there.
func TestGlobFSFuncStreams(t *testing.T) {
	fsys := fstest.MapFS{"a/x.yaml": {}, "b/x.yaml": {}, "c/x.yaml": {}}
	stop := errors.New("enough")
	var got []string
	err := callboard.GlobFSFunc(fsys, "*/x.yaml", func(_ string, err error) error { return err }, func(name string) error {
		got = append(got, name)
		if len(got) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(got, []string{"a/x.yaml", "b/x.yaml"}) {
		t.Errorf("got %q, %v; want the first two matches and %v", got, err, stop)
	}
}

// failingFS fails to list one directory.
type failingFS struct {
	fs.FS
	fail string
	err  error
}

func (f failingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.fail {
		return nil, f.err
	}
	return fs.ReadDir(f.FS, name)
}

// TestGlobFSReadsOnlyWhereThePatternLeads: a checked-out repo's source
// tree below a matched directory is never listed.
func TestGlobFSReadsOnlyWhereThePatternLeads(t *testing.T) {
	fsys := failingFS{FS: fstest.MapFS{
		"repos/a/catalog-info.yaml": {}, "repos/a/src/main.go": {}, "repos/b/node_modules/x/catalog-info.yaml": {},
	}, fail: "repos/a/src", err: errors.New("listed a source tree")}
	got, err := callboard.GlobFS(fsys, "repos/*/catalog-info.yaml", func(_ string, err error) error { return err })
	if err != nil || !slices.Equal(got, []string{"repos/a/catalog-info.yaml"}) {
		t.Errorf("got %q, %v", got, err)
	}
}
