package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"callboard"
)

// Local stores sites in a directory: techdocs.publisher.type local. A
// publish writes the new site beside the old one and swaps it in with two
// renames, so readers see the old site or the new one, never a mix.
type Local struct {
	dir string
	// LegacyUseCaseSensitiveTripletPaths keeps the triplet's case in
	// paths. Set it before first use.
	LegacyUseCaseSensitiveTripletPaths bool

	cache metaCache
	// writeMu serializes Publish and Delete: two swaps of one site at once
	// could otherwise lose both.
	writeMu sync.Mutex
}

// NewLocal returns a publisher storing sites under dir
// (techdocs.publisher.local.publishDirectory), creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, callboard.Errorf(callboard.Invalid, "techdocs.publisher.local.publishDirectory is required")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "techdocs.publisher.local.publishDirectory")
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "techdocs.publisher.local.publishDirectory")
	}
	return &Local{dir: abs}, nil
}

// siteDir returns the directory of entity's site.
func (l *Local) siteDir(entity callboard.EntityRef) (string, error) {
	t, err := tripletPath(entity, l.LegacyUseCaseSensitiveTripletPaths)
	if err != nil {
		return "", err
	}
	return filepath.Join(l.dir, filepath.FromSlash(t)), nil
}

// Publish implements Publisher.
func (l *Local) Publish(ctx context.Context, entity callboard.EntityRef, dir string) (Result, error) {
	site, err := l.siteDir(entity)
	if err != nil {
		return Result{}, err
	}
	files, meta, err := readSite(dir)
	if err != nil {
		return Result{}, err
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	parent, name := filepath.Split(site)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	// Dot-prefixed work directories are skipped by List.
	tmp, err := os.MkdirTemp(parent, "."+name+".new-")
	if err != nil {
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	defer os.RemoveAll(tmp)
	progress := progressOf(ctx)
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		if err := copyFile(filepath.Join(tmp, filepath.FromSlash(f.name)), f.path); err != nil {
			return Result{}, fmt.Errorf("publish %s: %w", entity, err)
		}
		progress(i+1, len(files), f.name, f.size)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	removed := 0
	old := "" // where the previous site waits while the new one moves in
	if _, err := os.Stat(site); err == nil {
		removed = countStale(site, files)
		oldDir, err := os.MkdirTemp(parent, "."+name+".old-")
		if err != nil {
			return Result{}, fmt.Errorf("publish %s: %w", entity, err)
		}
		defer os.RemoveAll(oldDir)
		old = filepath.Join(oldDir, name)
		if err := os.Rename(site, old); err != nil {
			return Result{}, fmt.Errorf("publish %s: %w", entity, err)
		}
	}
	if err := os.Rename(tmp, site); err != nil {
		if old != "" {
			_ = os.Rename(old, site)
		}
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	l.cache.drop(site)
	return resultOf(files, meta, removed), nil
}

// countStale counts the files under site that files does not list.
func countStale(site string, files []siteFile) int {
	keep := make(map[string]bool, len(files))
	for _, f := range files {
		keep[f.name] = true
	}
	n := 0
	_ = filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, err := filepath.Rel(site, p); err == nil && !keep[filepath.ToSlash(rel)] {
				n++
			}
		}
		return nil
	})
	return n
}

func copyFile(dst, src string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Metadata implements Publisher. The cache is keyed by the file's size and
// modification time, so a stat replaces a read while the file is unchanged.
func (l *Local) Metadata(ctx context.Context, entity callboard.EntityRef) (*Metadata, error) {
	site, err := l.siteDir(entity)
	if err != nil {
		return nil, err
	}
	p := filepath.Join(site, MetadataFile)
	fi, err := os.Stat(p)
	if err != nil {
		l.cache.drop(site)
		return nil, localErr(err, entity, MetadataFile)
	}
	tag := fileTag(fi)
	if e, ok := l.cache.get(site); ok && e.tag == tag {
		return e.meta.clone(), nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, localErr(err, entity, MetadataFile)
	}
	meta, err := ParseMetadata(b)
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "techdocs metadata of %s", entity)
	}
	l.cache.put(site, metaEntry{tag: tag, meta: meta})
	return meta.clone(), nil
}

// fileTag is a quoted entity tag from a file's size and modification time.
func fileTag(fi fs.FileInfo) string {
	return fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size())
}

// Open implements Publisher. The file is opened through an os.Root at the
// site directory, so symlinks inside a site cannot lead out of it either.
func (l *Local) Open(ctx context.Context, entity callboard.EntityRef, name string) (io.ReadCloser, ContentInfo, error) {
	site, err := l.siteDir(entity)
	if err != nil {
		return nil, ContentInfo{}, err
	}
	clean, err := cleanName(name)
	if err != nil {
		return nil, ContentInfo{}, err
	}
	root, err := os.OpenRoot(site)
	if err != nil {
		return nil, ContentInfo{}, localErr(err, entity, clean)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(clean))
	if err != nil {
		return nil, ContentInfo{}, localErr(err, entity, clean)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, ContentInfo{}, localErr(fs.ErrNotExist, entity, clean)
	}
	return f, ContentInfo{ContentType: ContentType(clean), ETag: fileTag(fi), Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// localErr classifies a file system error: missing files and escapes from
// the root are NotFound.
func localErr(err error, entity callboard.EntityRef, name string) error {
	if errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "path escapes") || errors.Is(err, fs.ErrInvalid) {
		return callboard.Errorf(callboard.NotFound, "no %s in the docs of %s", name, entity)
	}
	return callboard.Wrap(callboard.Internal, err, "open %s of %s", name, entity)
}

// Delete implements Publisher.
func (l *Local) Delete(ctx context.Context, entity callboard.EntityRef) error {
	site, err := l.siteDir(entity)
	if err != nil {
		return err
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	l.cache.drop(site)
	if err := os.RemoveAll(site); err != nil {
		return fmt.Errorf("delete docs of %s: %w", entity, err)
	}
	return nil
}

// List implements Publisher: every namespace/kind/name directory three
// levels down.
func (l *Local) List(ctx context.Context) ([]callboard.EntityRef, error) {
	var refs []callboard.EntityRef
	namespaces, err := subdirs(l.dir)
	if err != nil {
		return nil, err
	}
	for _, ns := range namespaces {
		kinds, err := subdirs(filepath.Join(l.dir, ns))
		if err != nil {
			return nil, err
		}
		for _, kind := range kinds {
			names, err := subdirs(filepath.Join(l.dir, ns, kind))
			if err != nil {
				return nil, err
			}
			for _, name := range names {
				refs = append(refs, callboard.EntityRef{Kind: kind, Namespace: ns, Name: name})
			}
		}
	}
	return refs, nil
}

// subdirs lists the directories in dir, sorted, skipping dot-prefixed ones
// (publishes in progress).
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list docs: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// HasDocs implements Publisher.
func (l *Local) HasDocs(ctx context.Context, entity callboard.EntityRef) (bool, error) {
	site, err := l.siteDir(entity)
	if err != nil {
		return false, err
	}
	fi, err := os.Stat(filepath.Join(site, "index.html"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("docs of %s: %w", entity, err)
	}
	return fi.Mode().IsRegular(), nil
}

var _ Publisher = (*Local)(nil)
