package render

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"callboard"
)

// TreeOptions are fetch:template's inputs that shape rendering.
type TreeOptions struct {
	// Values is the template's `values`, seen as `${{ values.x }}` (or as
	// `{{ cookiecutter.x }}` with CookiecutterCompat).
	Values map[string]any
	// CopyWithoutTemplating lists globs of files copied without rendering
	// their contents; their path names are still rendered.
	CopyWithoutTemplating []string
	// TemplateFileExtension, when set (".njk", or any extension; see
	// TemplateExtension), limits content rendering to files with that
	// extension and strips it from their names. Every path name is rendered.
	TemplateFileExtension string
	// CookiecutterCompat renders `{{ cookiecutter.x }}` instead of
	// `${{ values.x }}` and adds the jsonify filter.
	CookiecutterCompat bool
	// Replace overwrites files that already exist in dst; otherwise they are
	// left alone, as Backstage does.
	Replace bool
	// TrimBlocks and LstripBlocks are Nunjucks's whitespace options.
	TrimBlocks, LstripBlocks bool
}

// TemplateExtension turns fetch:template's templateFileExtension input (a
// bool or a string) into TreeOptions.TemplateFileExtension: true is ".njk",
// false and nil are "", a string gets a leading dot.
func TemplateExtension(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case bool:
		if t {
			return ".njk", nil
		}
		return "", nil
	case string:
		if t == "" || strings.HasPrefix(t, ".") {
			return t, nil
		}
		return "." + t, nil
	}
	return "", callboard.Errorf(callboard.Invalid, "templateFileExtension must be a boolean or a string, got %T", v)
}

// Tree implements fetch:template's file rendering: every entry under src is
// written under dst (created if missing), path names and text contents
// rendered with opts.Values. It returns the files and links written, as
// sorted slash-separated paths relative to dst.
//
// As in Backstage: a path that renders to an empty segment is skipped (the
// way to make a file conditional); binary files are copied as they are; an
// existing file is kept unless opts.Replace. Unlike Backstage, nothing is
// ever written outside dst: a rendered name that climbs out (`../`, an
// absolute path) is an Invalid error, writes go through an os.Root, and a
// symlink in src is recreated only when its target stays inside dst (it is
// never followed to read).
func Tree(src fs.FS, dst string, opts TreeOptions) (written []string, err error) {
	ext := opts.TemplateFileExtension
	if ext != "" && !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	noTemplating, err := compileGlobs(opts.CopyWithoutTemplating)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "create %s", dst)
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "open %s", dst)
	}
	defer root.Close()

	w := &treeWriter{src: src, root: root, opts: opts, syn: syntax{compat: opts.CookiecutterCompat, trimBlocks: opts.TrimBlocks, lstripBlocks: opts.LstripBlocks}}
	key := "values"
	if opts.CookiecutterCompat {
		key = "cookiecutter"
	}
	w.scope = map[string]any{key: opts.Values}

	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return callboard.Wrap(callboard.Invalid, err, "read template %s", p)
		}
		if p == "." {
			return nil
		}
		location := p
		if d.IsDir() {
			location += "/" // globby's markDirectories: rendered names keep it
		}
		var renderContents bool
		out := location
		switch {
		case ext != "":
			renderContents = !d.IsDir() && path.Ext(p) == ext
			if renderContents {
				out = strings.TrimSuffix(out, ext)
			}
			if out, err = w.renderName(p, out); err != nil {
				return err
			}
		default:
			renderContents = !matchAny(noTemplating, p)
			if out, err = w.renderName(p, out); err != nil {
				return err
			}
		}
		// A name part that rendered to nothing skips the entry (and, for a
		// directory, what is under it).
		if out == "" || strings.HasPrefix(out, "/") || strings.Contains(out, "//") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		target, err := safeJoin(p, out)
		if err != nil {
			return err
		}
		wrote, err := w.write(p, d, target, renderContents)
		if wrote {
			written = append(written, target)
		}
		return err
	})
	sort.Strings(written)
	return written, err
}

type treeWriter struct {
	src   fs.FS
	root  *os.Root
	opts  TreeOptions
	syn   syntax
	scope map[string]any
}

func (w *treeWriter) renderName(src, name string) (string, error) {
	if !strings.Contains(name, "{") {
		return name, nil
	}
	t, err := compile(src+" (file name)", name, w.syn)
	if err != nil {
		return "", err
	}
	return t.render(w.scope)
}

// safeJoin cleans a rendered relative name and refuses one that leaves dst.
func safeJoin(src, out string) (string, error) {
	clean := path.Clean(strings.TrimSuffix(out, "/"))
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || clean == "." || strings.ContainsRune(clean, 0) {
		return "", callboard.Errorf(callboard.Invalid, "template %s: rendered path %q is outside the target directory", src, out)
	}
	return clean, nil
}

// write creates one entry; it reports whether a file or link was written.
func (w *treeWriter) write(src string, d fs.DirEntry, target string, renderContents bool) (bool, error) {
	if d.IsDir() {
		if err := w.root.MkdirAll(target, 0o755); err != nil {
			return false, callboard.Wrap(callboard.Invalid, err, "template %s: create directory %s", src, target)
		}
		return false, nil
	}
	if _, err := w.root.Lstat(target); err == nil {
		if !w.opts.Replace {
			return false, nil
		}
		if err := w.root.Remove(target); err != nil {
			return false, callboard.Wrap(callboard.Invalid, err, "template %s: replace %s", src, target)
		}
	}
	if dir := path.Dir(target); dir != "." {
		if err := w.root.MkdirAll(dir, 0o755); err != nil {
			return false, callboard.Wrap(callboard.Invalid, err, "template %s: create directory %s", src, dir)
		}
	}
	switch {
	case d.Type()&fs.ModeSymlink != 0:
		return true, w.link(src, target)
	case !d.Type().IsRegular():
		return false, callboard.Errorf(callboard.Invalid, "template %s: not a regular file, directory or symlink", src)
	}
	info, err := d.Info()
	if err != nil {
		return false, callboard.Wrap(callboard.Invalid, err, "template %s", src)
	}
	data, err := fs.ReadFile(w.src, src)
	if err != nil {
		return false, callboard.Wrap(callboard.Invalid, err, "read template %s", src)
	}
	if renderContents && !binary(data) {
		t, err := compile(src, string(data), w.syn)
		if err != nil {
			return false, err
		}
		s, err := t.render(w.scope)
		if err != nil {
			return false, err
		}
		data = []byte(s)
	}
	mode := info.Mode().Perm()
	if mode == 0 {
		mode = 0o644
	}
	if err := w.root.WriteFile(target, data, mode); err != nil {
		return false, callboard.Wrap(callboard.Invalid, err, "template %s: write %s", src, target)
	}
	return true, nil
}

// link recreates a symlink whose target stays inside dst.
func (w *treeWriter) link(src, target string) error {
	dest, err := fs.ReadLink(w.src, src)
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "template %s: read symlink", src)
	}
	resolved := path.Join(path.Dir(target), dest)
	if path.IsAbs(dest) || resolved == ".." || strings.HasPrefix(resolved, "../") {
		return callboard.Errorf(callboard.Invalid, "template %s: symlink to %q points outside the target directory", src, dest)
	}
	if err := w.root.Symlink(dest, target); err != nil {
		return callboard.Wrap(callboard.Invalid, err, "template %s: create symlink %s", src, target)
	}
	return nil
}

// binary reports whether data looks like a binary file (a NUL byte or
// invalid UTF-8 in the first 8 KiB), which is copied without rendering as
// Backstage's isBinaryFile check does.
func binary(data []byte) bool {
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	// A rune cut at the 8 KiB boundary is not evidence.
	for i := 0; i < utf8.UTFMax-1 && len(head) < len(data) && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	return !utf8.Valid(head)
}
