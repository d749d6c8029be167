package techdocs

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"

	"callboard"
)

// treeFiles is what scan found in docs_dir.
type treeFiles struct {
	pages  []string // Markdown pages in MkDocs' order
	assets []string // everything else, sorted
}

// isMarkdown reports whether p is a page MkDocs would render.
func isMarkdown(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".mdown", ".mkdn", ".mkd":
		return true
	}
	return false
}

// scan lists docs_dir in MkDocs' order: in each folder index.md (or
// README.md) first, the other files by name, then the subfolders by name.
// Dot files and folders are skipped, as MkDocs' exclude_docs default does.
// Symlinks are followed only when they stay inside docs_dir.
func (b *builder) scan() (*treeFiles, error) {
	out := &treeFiles{}
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if depth > 32 {
			return nil
		}
		entries, err := fs.ReadDir(b.docs, dir)
		if err != nil {
			return callboard.Wrap(callboard.Invalid, err, "read %s", b.srcName(dir))
		}
		var files, dirs []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			p := path.Join(dir, name)
			isDir := e.IsDir()
			if excluded(b.cfg.ExcludeDocs, p, isDir) {
				continue
			}
			if e.Type()&fs.ModeSymlink != 0 {
				real, err := safePath(b.docs, p)
				if err != nil {
					b.warnings = append(b.warnings, Warning{File: b.srcName(p), Message: err.Error() + "; skipped"})
					continue
				}
				fi, err := fs.Stat(b.docs, real)
				if err != nil {
					b.warnings = append(b.warnings, Warning{File: b.srcName(p), Message: "broken symlink; skipped"})
					continue
				}
				if fi.IsDir() {
					// A folder linked from inside docs_dir would list its
					// files twice; MkDocs users rarely mean that.
					b.warnings = append(b.warnings, Warning{File: b.srcName(p), Message: "symlinked folder skipped"})
					continue
				}
			}
			if isDir {
				dirs = append(dirs, p)
			} else {
				files = append(files, p)
			}
		}
		sort.Strings(files)
		sort.Strings(dirs)
		index, readme := -1, -1
		for i, f := range files {
			switch strings.ToLower(path.Base(f)) {
			case "index.md":
				index = i
			case "readme.md":
				readme = i
			}
		}
		var pages []string
		if index >= 0 {
			pages = append(pages, files[index])
			if readme >= 0 {
				b.warnings = append(b.warnings, Warning{File: b.srcName(files[readme]), Message: "both index.md and README.md exist; README.md is excluded, as in MkDocs"})
			}
		} else if readme >= 0 {
			pages = append(pages, files[readme])
		}
		for i, f := range files {
			switch {
			case i == index || i == readme:
			case isMarkdown(f):
				pages = append(pages, f)
			default:
				out.assets = append(out.assets, f)
			}
		}
		out.pages = append(out.pages, pages...)
		for _, d := range dirs {
			if err := walk(d, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(".", 0); err != nil {
		return nil, err
	}
	sort.Strings(out.assets)
	return out, nil
}

var errOutside = errors.New("outside the docs directory")

// safePath resolves p (slash-separated, relative to fsys) without leaving
// fsys: absolute paths, ".." that climbs out, and symlinks whose target lies
// outside are refused. It returns a path with every symlink resolved, so
// opening it reads no link.
func safePath(fsys fs.FS, p string) (string, error) {
	if p == "" || path.IsAbs(p) || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) || isWindowsAbs(p) {
		return "", errOutside
	}
	p = path.Clean(p)
	if escapes(p) {
		return "", errOutside
	}
	for hops := 0; hops < 16; hops++ {
		parts := strings.Split(p, "/")
		resolved := true
		for i := range parts {
			prefix := strings.Join(parts[:i+1], "/")
			fi, err := fs.Lstat(fsys, prefix)
			if err != nil {
				return p, nil // missing: the caller's open reports it
			}
			if fi.Mode()&fs.ModeSymlink == 0 {
				continue
			}
			target, err := fs.ReadLink(fsys, prefix)
			if err != nil || path.IsAbs(target) || isWindowsAbs(target) {
				return "", errOutside
			}
			next := path.Join(path.Dir(prefix), target, strings.Join(parts[i+1:], "/"))
			if escapes(next) {
				return "", errOutside
			}
			p, resolved = next, false
			break
		}
		if resolved {
			return p, nil
		}
	}
	return "", errors.New("too many levels of symlinks")
}

func escapes(p string) bool {
	return p == ".." || strings.HasPrefix(p, "../")
}

func isWindowsAbs(p string) bool {
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z'
}

// excluded matches p against MkDocs' exclude_docs patterns, a gitignore
// subset: "*" globs, a leading "/" anchors at docs_dir, a trailing "/"
// matches folders only, and "!" re-includes.
func excluded(patterns []string, p string, isDir bool) bool {
	out := false
	for _, pat := range patterns {
		neg := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(pat, "!")
		if strings.HasSuffix(pat, "/") {
			if !isDir {
				continue
			}
			pat = strings.TrimSuffix(pat, "/")
		}
		match := false
		if strings.HasPrefix(pat, "/") || strings.Contains(strings.Trim(pat, "/"), "/") {
			match, _ = path.Match(strings.TrimPrefix(pat, "/"), p)
		} else {
			match, _ = path.Match(pat, path.Base(p))
		}
		if match {
			out = !neg
		}
	}
	return out
}
