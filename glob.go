package callboard

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// MatchPath matches a slash path against a glob with path.Match per
// segment, where a "**" segment matches zero or more segments (catalog
// globs, catalogPath in discovery, fs:delete patterns).
func MatchPath(pattern, name string) bool {
	ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(ps) {
			if ps[i] == "**" {
				for k := j; k <= len(ns); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			}
			if j >= len(ns) {
				return false
			}
			if ok, _ := path.Match(ps[i], ns[j]); !ok {
				return false
			}
			i, j = i+1, j+1
		}
		return j == len(ns)
	}
	return match(0, 0)
}

// GlobFS returns, sorted, the names of the files (not directories) of fsys
// that match pattern as MatchPath matches them. It reads only the
// directories the pattern can lead into: "repos/*/catalog-info.yaml" lists
// repos and looks up one name in each of its directories, where walking
// repos would read every source tree checked out below it. Literal
// segments are looked up with fs.Stat, so they may be symlinks (the FS
// decides where those may lead: an os.Root's stays inside it); entries
// matched by a wildcard are taken as ReadDir types them, so a symlinked
// directory is not descended, as fs.WalkDir does not.
//
// A directory that cannot be listed, or a name that cannot be looked up,
// is passed to skip with its error: skip returns nil to go on without it,
// or the error to end the glob with. A name that does not exist is no
// error: it matches nothing.
func GlobFS(fsys fs.FS, pattern string, skip func(name string, err error) error) ([]string, error) {
	var out []string
	err := GlobFSFunc(fsys, pattern, skip, func(name string) error {
		out = append(out, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil // "**" twice can reach a file twice
}

// GlobFSFunc is GlobFS handing each match to fn as soon as it is found,
// so that a caller can read the first files of a large glob while the
// rest are looked up. Matches come in the order of the walk, and a
// pattern with "**" twice can give a file twice. An error from fn ends
// the glob with it.
func GlobFSFunc(fsys fs.FS, pattern string, skip func(name string, err error) error, fn func(name string) error) error {
	g := globber{fsys: fsys, skip: skip, found: fn}
	return g.walk(".", strings.Split(path.Clean(pattern), "/"))
}

type globber struct {
	fsys  fs.FS
	skip  func(name string, err error) error
	found func(name string) error
}

func (g *globber) walk(dir string, segs []string) error {
	if len(segs) == 0 {
		return nil
	}
	seg, rest := segs[0], segs[1:]
	if seg != "**" && !strings.ContainsAny(seg, `*?[\`) {
		p := path.Join(dir, seg)
		fi, err := fs.Stat(g.fsys, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return g.skip(p, err)
		case fi.IsDir():
			return g.walk(p, rest)
		case onlyStars(rest):
			return g.found(p)
		}
		return nil
	}
	entries, err := fs.ReadDir(g.fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return g.skip(dir, err)
	}
	next := rest
	if seg == "**" {
		// Zero segments here; then one or more, through each directory.
		if err := g.walk(dir, rest); err != nil {
			return err
		}
		next = segs
	}
	for _, e := range entries {
		if seg != "**" {
			if ok, _ := path.Match(seg, e.Name()); !ok {
				continue
			}
		}
		p := path.Join(dir, e.Name())
		if e.IsDir() {
			if err := g.walk(p, next); err != nil {
				return err
			}
		} else if onlyStars(rest) {
			if err := g.found(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// onlyStars reports whether segs can match zero segments: a file matches
// when the pattern left after it is nothing or only "**".
func onlyStars(segs []string) bool {
	for _, s := range segs {
		if s != "**" {
			return false
		}
	}
	return true
}
