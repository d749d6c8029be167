// Package publish moves built TechDocs sites to storage and back: a local
// directory or an S3 bucket, in Backstage's layout, so that sites built by
// callboard and sites built by Backstage's techdocs-cli are interchangeable.
//
// A site is a directory holding HTML pages, assets, search/search_index.json
// and techdocs_metadata.json. It is stored under
// [bucketRootPath/]{namespace}/{kind}/{name}/, with the triplet lowercased
// unless techdocs.legacyUseCaseSensitiveTripletPaths is set. The package
// knows nothing about how a site was built.
package publish

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"callboard"
)

// MetadataFile is the name of the site's metadata file, at the site root.
const MetadataFile = "techdocs_metadata.json"

// Publisher stores built sites and serves their files. Implementations are
// safe for concurrent use.
type Publisher interface {
	// Publish uploads every regular file of dir (symlinks are skipped) as the
	// entity's site, then removes files of the previous site that the new
	// one lacks. techdocs_metadata.json is written last, so a reader that
	// sees the new metadata finds every new file. dir without
	// techdocs_metadata.json is Invalid: it is not a built site.
	Publish(ctx context.Context, entity callboard.EntityRef, dir string) (Result, error)
	// Metadata returns the site's techdocs_metadata.json, NotFound when the
	// entity has no published site. Results are cached and revalidated
	// against the stored file's etag.
	Metadata(ctx context.Context, entity callboard.EntityRef) (*Metadata, error)
	// Open returns one file of the site. name is slash-separated and
	// relative to the site root; a name with ".." segments, backslashes or
	// NUL bytes is Invalid, a missing file NotFound. The caller closes the
	// reader.
	Open(ctx context.Context, entity callboard.EntityRef, name string) (io.ReadCloser, ContentInfo, error)
	// Delete removes the entity's site. Deleting a missing site is not an
	// error.
	Delete(ctx context.Context, entity callboard.EntityRef) error
	// List returns every published site, sorted by namespace, kind and name.
	// With lowercased paths the refs are lowercase.
	List(ctx context.Context) ([]callboard.EntityRef, error)
	// HasDocs reports whether the site's index.html exists, as Backstage's
	// hasDocsBeenGenerated does.
	HasDocs(ctx context.Context, entity callboard.EntityRef) (bool, error)
}

// Result describes a finished Publish.
type Result struct {
	// Files are the uploaded paths, relative to the site root, sorted.
	Files []string
	// Bytes is the total size of the uploaded files.
	Bytes int64
	// Removed counts files of the previous site that were deleted.
	Removed int
	// ETag is the "etag" of the published techdocs_metadata.json: the
	// source revision the site was built from.
	ETag string
}

// ContentInfo describes one opened file.
type ContentInfo struct {
	ContentType string
	// ETag is the storage's quoted entity tag of the file, fit for an HTTP
	// ETag header.
	ETag    string
	Size    int64
	ModTime time.Time
}

// Config is Backstage's techdocs.publisher section.
type Config struct {
	// Type is "local" (the default when empty) or "awsS3".
	Type  string      `yaml:"type"`
	Local LocalConfig `yaml:"local"`
	AWSS3 S3Config    `yaml:"awsS3"`
	// LegacyUseCaseSensitiveTripletPaths keeps the entity triplet's case
	// in storage paths. It is techdocs.legacyUseCaseSensitiveTripletPaths
	// in Backstage's config, one level up; the caller copies it here.
	LegacyUseCaseSensitiveTripletPaths bool `yaml:"-"`
}

// LocalConfig is techdocs.publisher.local.
type LocalConfig struct {
	PublishDirectory string `yaml:"publishDirectory"`
}

// New returns the publisher that cfg describes. An unknown type or missing
// setting is Invalid.
func New(ctx context.Context, cfg Config) (Publisher, error) {
	switch cfg.Type {
	case "", "local":
		l, err := NewLocal(cfg.Local.PublishDirectory)
		if err != nil {
			return nil, err
		}
		l.LegacyUseCaseSensitiveTripletPaths = cfg.LegacyUseCaseSensitiveTripletPaths
		return l, nil
	case "awsS3":
		s3cfg := cfg.AWSS3
		s3cfg.LegacyUseCaseSensitiveTripletPaths = s3cfg.LegacyUseCaseSensitiveTripletPaths || cfg.LegacyUseCaseSensitiveTripletPaths
		return NewS3(ctx, s3cfg)
	}
	return nil, callboard.Errorf(callboard.Invalid,
		"techdocs.publisher.type %q is not supported: use local or awsS3", cfg.Type)
}

// Progress observes an upload: done of total files are stored, the last
// being name with size bytes. It is called from one goroutine at a time.
type Progress func(done, total int, name string, size int64)

type progressKey struct{}

// WithProgress returns a context whose Publish calls report each uploaded
// file to fn, as httptrace.WithClientTrace does for requests.
func WithProgress(ctx context.Context, fn Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

func progressOf(ctx context.Context) Progress {
	if fn, ok := ctx.Value(progressKey{}).(Progress); ok && fn != nil {
		return fn
	}
	return func(int, int, string, int64) {}
}

// tripletPath returns "namespace/kind/name" for entity, lowercased unless
// caseSensitive. Each part must be a single, safe path segment.
func tripletPath(entity callboard.EntityRef, caseSensitive bool) (string, error) {
	ns := entity.Namespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	parts := []string{ns, entity.Kind, entity.Name}
	for i, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\\\x00") {
			return "", callboard.Errorf(callboard.Invalid, "invalid entity triplet %s/%s/%s", ns, entity.Kind, entity.Name)
		}
		if !caseSensitive {
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "/"), nil
}

// cleanName checks a site-relative file name and returns it cleaned. Any
// ".." segment is refused outright rather than resolved, so no name can
// reach outside the site, whatever the storage does with it.
func cleanName(name string) (string, error) {
	if strings.ContainsAny(name, "\\\x00") {
		return "", callboard.Errorf(callboard.Invalid, "invalid docs path %q", name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return "", callboard.Errorf(callboard.Invalid, "invalid docs path %q: it leaves the site", name)
		}
	}
	c := strings.TrimPrefix(path.Clean("/"+name), "/")
	if c == "" {
		return "", callboard.Errorf(callboard.Invalid, "invalid docs path %q: no file named", name)
	}
	return c, nil
}

// siteFile is one file of a site directory to upload.
type siteFile struct {
	name string // slash-separated, relative to the site root
	path string // on disk
	size int64
}

// readSite lists the regular files of dir, techdocs_metadata.json last, and
// parses its metadata.
func readSite(dir string) ([]siteFile, *Metadata, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, callboard.Wrap(callboard.Invalid, err, "site directory")
	}
	if !info.IsDir() {
		return nil, nil, callboard.Errorf(callboard.Invalid, "site directory %s is not a directory", dir)
	}
	var files []siteFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, siteFile{name: filepath.ToSlash(rel), path: p, size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, nil, callboard.Wrap(callboard.Invalid, err, "read site directory")
	}
	sort.Slice(files, func(i, j int) bool {
		mi, mj := files[i].name == MetadataFile, files[j].name == MetadataFile
		if mi != mj {
			return mj
		}
		return files[i].name < files[j].name
	})
	if len(files) == 0 || files[len(files)-1].name != MetadataFile {
		return nil, nil, callboard.Errorf(callboard.Invalid,
			"%s has no %s: is it a built TechDocs site? (callboard docs generate writes one)", dir, MetadataFile)
	}
	b, err := os.ReadFile(files[len(files)-1].path)
	if err != nil {
		return nil, nil, callboard.Wrap(callboard.Invalid, err, "read %s", MetadataFile)
	}
	meta, err := ParseMetadata(b)
	if err != nil {
		return nil, nil, err
	}
	return files, meta, nil
}

// resultOf summarizes uploaded files.
func resultOf(files []siteFile, meta *Metadata, removed int) Result {
	r := Result{Files: make([]string, len(files)), Removed: removed, ETag: meta.ETag}
	for i, f := range files {
		r.Files[i] = f.name
		r.Bytes += f.size
	}
	sort.Strings(r.Files)
	return r
}

// contentTypes fixes the types of the files a site holds, so that answers
// do not depend on the host's mime tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
	".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
	".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
	".map": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
	".md": "text/markdown; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2",
	".ttf": "font/ttf", ".otf": "font/otf", ".eot": "application/vnd.ms-fontobject",
	".pdf": "application/pdf", ".gz": "application/gzip", ".zip": "application/zip",
	".mp4": "video/mp4", ".webm": "video/webm", ".wasm": "application/wasm",
}

// ContentType returns the content type of a site file by its extension;
// unknown extensions are application/octet-stream.
func ContentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}
