package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"callboard"
	"callboard/descriptor"
)

// A file location reads only inside its root: the directory of the
// catalog.locations entry (or registered location) it descends from. Its
// descriptors' placeholders, the files of its nested Locations and their
// globs must stay there once cleaned and with symlinks resolved, so that a
// descriptor cannot serve /etc/passwd or /proc/self/environ to catalog
// readers. Only file locations may emit file Locations, and only embedded
// ones embedded Locations: a url location cannot pivot to the server's disk.

// fileRoot returns the root of a file location's target: its directory,
// or for a glob, the directory before the first glob segment.
func fileRoot(target string) string {
	t := absPath(target)
	if i := strings.IndexAny(t, "*?["); i >= 0 {
		t = t[:i+1]
	}
	return filepath.Dir(t)
}

// absPath is target as Reader.Read reads a file target: relative to "/".
func absPath(target string) string {
	if filepath.IsAbs(target) {
		return filepath.Clean(target)
	}
	return filepath.Join(string(filepath.Separator), target)
}

// inRoot reports whether p, cleaned, is root or lies under it.
func inRoot(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && filepath.IsLocal(rel)
}

// shownPath names target in messages: relative to the root for file
// locations (never a server path), as it is otherwise.
func shownPath(root, target string) string {
	if root == "" {
		return target
	}
	if rel, err := filepath.Rel(root, absPath(target)); err == nil {
		return filepath.ToSlash(rel)
	}
	return target
}

// shownRoot names root as seen from the directory from.
func shownRoot(root, from string) string {
	rel, err := filepath.Rel(from, root)
	if err != nil || rel == "." {
		return "./"
	}
	return filepath.ToSlash(rel) + "/"
}

// refusedError marks a read refused for leaving the location's root (or
// for a type a location may not emit), so that what the target emitted
// before is dropped rather than kept as after a transient failure.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

func refuse(format string, args ...any) error {
	return callboard.Wrap(callboard.Forbidden, &refusedError{"refused: " + fmt.Sprintf(format, args...)}, "")
}

func isRefused(err error) bool {
	var r *refusedError
	return errors.As(err, &r)
}

// childOf returns the walk root of a Location entity read from a target of
// parent. Its file targets stay in the parent's root; a type the parent
// may not emit leaves it refused.
func childOf(parent parentLoc, ref string, spec *locSpec) parentLoc {
	c := parentLoc{ref: ref, spec: spec, origin: parent.origin, depth: parent.depth + 1, root: parent.root}
	switch {
	case parent.refused != nil:
		c.refused = parent.refused
	case spec.typ == TypeURL:
		c.root = "" // allowed hosts and integrations decide
	case spec.typ != parent.spec.typ || (spec.typ == TypeFile && parent.root == ""):
		c.refused = refuse("a Location read from a %s location may not target %s locations; "+
			"only catalog.locations files may target files, and only inside their own directory", parent.spec.typ, spec.typ)
	}
	return c
}

// rootParent returns the walk root of a generated root Location.
func rootParent(ref string, spec *locSpec, origin string) parentLoc {
	p := parentLoc{ref: ref, spec: spec, origin: origin}
	if spec.typ == TypeFile && len(spec.targets) > 0 {
		p.root = fileRoot(spec.targets[0])
	}
	return p
}

// fromDir is the directory of the file a Location was read from, against
// which its root is named in messages.
func (p parentLoc) fromDir() string {
	if p.spec.self == "" || strings.ContainsAny(p.spec.self, "*?[") {
		return p.root
	}
	return filepath.Dir(absPath(p.spec.self))
}

// checkTarget refuses a file target (or glob) of p that leaves p's root.
func (p parentLoc) checkTarget(target string) error {
	if p.spec.typ != TypeFile {
		return nil
	}
	fixed := absPath(target)
	if strings.ContainsAny(fixed, "*?[") {
		fixed = fileRoot(fixed)
	}
	if p.root == "" || !inRoot(p.root, fixed) {
		return refuse("outside the location's root %s", shownRoot(p.root, p.fromDir()))
	}
	return nil
}

// ReadInRoot reads target, an absolute file path, only if it lies inside
// root once cleaned and with symlinks resolved, and only if it is a regular
// file outside /proc, /sys and /dev (unless root itself is there); from is
// the directory of the file naming target, used to name root in messages.
// Messages name target relative to root. A read past limit bytes is
// refused. Errors are Forbidden (refused), NotFound, Invalid (too large)
// or Upstream.
func ReadInRoot(root, from, target string, limit int64) ([]byte, error) {
	f, _, shown, err := openInRoot(nil, root, from, target, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, callboard.Errorf(callboard.Upstream, "cannot read %s: %s", shown, pathErr(err))
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(shown, limit)
	}
	return b, nil
}

// tooLarge is the error of a file over limit bytes.
func tooLarge(shown string, limit int64) error {
	if limit%(1<<20) == 0 {
		return callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", shown, limit>>20)
	}
	return callboard.Errorf(callboard.Invalid, "%s is larger than %d bytes", shown, limit)
}

// openInRoot opens target with ReadInRoot's checks, for a caller that
// streams it (a big exported file is parsed document by document); the
// file's size is at most limit when it is opened. It returns the file's
// information and the name messages show. dirs, when set, holds the
// roots the caller's walk has open (root_linux.go).
func openInRoot(dirs *rootDirs, root, from, target string, limit int64) (*os.File, fs.FileInfo, string, error) {
	if root == "" {
		return nil, nil, "", refuse("this location has no root to read files in")
	}
	root, target = absPath(root), absPath(target)
	shown := shownPath(root, target)
	if !inRoot(root, target) {
		return nil, nil, "", refuse("outside the location's root %s", shownRoot(root, from))
	}
	// The common case opens the target without resolving its real path:
	// openBeneath (Linux) or the os.Root follow symlinks that stay inside
	// the root and refuse the others, so a file they open lies inside it.
	// Only a root that holds /proc, /sys or /dev (that is, "/") needs the
	// target's real path; and a failed open is tried again below, which
	// says why.
	rel, relErr := filepath.Rel(root, target)
	if relErr == nil {
		if f, err := openBeneath(dirs, root, rel); err == nil {
			return checkOpened(f, shown, limit)
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, "", callboard.Errorf(callboard.NotFound, "the location's root %s does not exist", shownRoot(root, from))
	}
	if relErr == nil && !holdsSystemDir(realRoot) {
		if f, err := openIn(realRoot, rel); err == nil {
			return checkOpened(f, shown, limit)
		}
	}
	real, err := filepath.EvalSymlinks(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "", callboard.Errorf(callboard.NotFound, "%s does not exist", shown)
	}
	if err != nil {
		return nil, nil, "", callboard.Errorf(callboard.Upstream, "cannot read %s: %s", shown, pathErr(err))
	}
	rel, err = filepath.Rel(realRoot, real)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, nil, "", refuse("%s leads outside the location's root %s through a symlink", shown, shownRoot(root, from))
	}
	for _, sys := range systemDirs {
		if inRoot(sys, real) && !inRoot(sys, realRoot) {
			return nil, nil, "", refuse("%s is a system file", shown)
		}
	}
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, nil, "", callboard.Errorf(callboard.Upstream, "cannot open the location's root: %s", pathErr(err))
	}
	defer r.Close() // the opened file outlives its root
	f, err := r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "", callboard.Errorf(callboard.NotFound, "%s does not exist", shown)
	}
	if err != nil {
		return nil, nil, "", callboard.Errorf(callboard.Upstream, "cannot read %s: %s", shown, pathErr(err))
	}
	return checkOpened(f, shown, limit)
}

// errSlowPath sends openInRoot the way that resolves the target's path.
var errSlowPath = errors.New("resolve the path first")

// systemDirs hold files that are not files: reading them leaks the
// server's state or never ends.
var systemDirs = []string{"/proc", "/sys", "/dev"}

// holdsSystemDir reports whether one of systemDirs lies under realRoot.
func holdsSystemDir(realRoot string) bool {
	for _, sys := range systemDirs {
		if inRoot(realRoot, sys) {
			return true
		}
	}
	return false
}

// openIn opens rel under realRoot through an os.Root, which refuses a
// symlink swapped in since the caller's checks, and any that leads out.
// O_NONBLOCK: opening a FIFO must not wait for a writer; checkOpened then
// refuses it as not regular.
func openIn(realRoot, rel string) (*os.File, error) {
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, err
	}
	defer r.Close() // the opened file outlives its root
	return r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// checkOpened returns f if it is a regular file of at most limit bytes,
// and closes it otherwise.
func checkOpened(f *os.File, shown string, limit int64) (*os.File, fs.FileInfo, string, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, "", callboard.Errorf(callboard.Upstream, "cannot read %s: %s", shown, pathErr(err))
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, "", refuse("%s is not a regular file", shown)
	}
	if fi.Size() > limit {
		f.Close()
		return nil, nil, "", tooLarge(shown, limit)
	}
	return f, fi, shown, nil
}

// pathErr strips the operation and path a *PathError repeats: the path
// may be a server path.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "read failed"
}

// expandInRoot resolves a file target that may hold a glob into the
// matching files inside root, handing each to found as soon as the glob
// finds it (in the walk's order; a pattern with "**" twice can find a
// file twice), so that reading a large tree begins at once: at a million
// entities the glob took 5 s, during which nothing was read. The walk
// goes through an os.Root, so that symlinked directories cannot lead it
// out. On an error, the files found before it have been handed over.
func expandInRoot(root, target string, found func(file string)) error {
	target = absPath(target)
	if !strings.ContainsAny(target, "*?[") {
		found(target)
		return nil
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(rel) {
		return refuse("outside the location's root")
	}
	r, err := os.OpenRoot(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return callboard.Errorf(callboard.Upstream, "cannot open the location's root: %s", pathErr(err))
	}
	defer r.Close()
	// A missing start matches nothing; a directory that cannot be listed
	// (or leads out of the root) is skipped, unless it is where the
	// pattern's literal part ends.
	pattern := filepath.ToSlash(rel)
	start := pattern
	if i := strings.IndexAny(start, "*?["); i >= 0 {
		start = path.Dir(start[:i+1])
	}
	err = callboard.GlobFSFunc(r.FS(), pattern, func(name string, err error) error {
		if name == start || strings.HasPrefix(start, name+"/") {
			return err
		}
		return nil
	}, func(m string) error {
		found(filepath.Join(root, filepath.FromSlash(m)))
		return nil
	})
	if err != nil {
		return callboard.Errorf(callboard.Upstream, "expand %s: %s", shownPath(root, target), pathErr(err))
	}
	return nil
}

// placeholderReader reads the $text/$json/$yaml targets of a descriptor
// read by fr: inside the location's root for file locations.
func (s *Service) placeholderReader(fr *fileRead) descriptor.ReadFunc {
	return func(ctx context.Context, t string) ([]byte, error) {
		if fr.typ == TypeFile && !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://") {
			return ReadInRoot(fr.parent.root, filepath.Dir(absPath(fr.target)), t, maxReadSize)
		}
		return s.opts.Reader.ReadPlaceholder(ctx, fr.typ, t)
	}
}
