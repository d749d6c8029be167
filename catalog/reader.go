package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"callboard"
	"callboard/urlread"
)

// Location types the reader understands. "embedded" reads the demo catalog
// compiled into the binary.
const (
	TypeFile     = "file"
	TypeURL      = "url"
	TypeEmbedded = "embedded"
)

// maxReadSize bounds one descriptor or placeholder file.
const maxReadSize = 8 << 20

// Reader reads location targets: local files, http(s) URLs through a
// urlread.Reader, and the embedded demo tree.
type Reader struct {
	// URLs reads url targets and http(s) placeholders: the hosts
	// backend.reading.allow and the integrations allow, each redirect
	// checked again. Nil reads no URL.
	URLs *urlread.Reader
	// Embedded is served for the "embedded" type; targets are slash paths.
	Embedded fs.FS
}

// Read returns the content of target for the location type typ. Errors are
// NotFound for a missing file or 404, Forbidden for a host not allowed,
// Upstream for other failures. A file target is not confined: the catalog
// reads files through ReadInRoot.
func (r *Reader) Read(ctx context.Context, typ, target string) ([]byte, error) {
	switch typ {
	case TypeFile:
		return readFile(os.DirFS("/"), strings.TrimPrefix(filepath.ToSlash(target), "/"), target)
	case TypeEmbedded:
		if r.Embedded == nil {
			return nil, callboard.Errorf(callboard.NotFound, "no embedded catalog in this build")
		}
		return readFile(r.Embedded, strings.TrimPrefix(target, "/"), target)
	case TypeURL:
		return r.readURL(ctx, target)
	}
	return nil, callboard.Errorf(callboard.Invalid, "unsupported location type %q; use file or url", typ)
}

// readMax is Read with a URL's size bound raised or lowered to max (a
// catalog.locations URL may serve a big exported file); files are bounded
// by their caller.
func (r *Reader) readMax(ctx context.Context, typ, target string, max int64) ([]byte, error) {
	if typ != TypeURL {
		return r.Read(ctx, typ, target)
	}
	urls := urlread.Reader{}
	if r.URLs != nil {
		urls = *r.URLs
	}
	urls.MaxBytes = max
	return urls.Read(ctx, target)
}

// ReadPlaceholder reads a $text/$json/$yaml target of a descriptor read from
// a location of type typ: URLs over HTTP, anything else as a path of typ.
func (r *Reader) ReadPlaceholder(ctx context.Context, typ, target string) ([]byte, error) {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return r.readURL(ctx, target)
	}
	return r.Read(ctx, typ, target)
}

func readFile(fsys fs.FS, name, shown string) ([]byte, error) {
	f, err := fsys.Open(path.Clean(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, callboard.Errorf(callboard.NotFound, "file %s does not exist", shown)
	}
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", shown)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReadSize+1))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", shown)
	}
	if len(b) > maxReadSize {
		return nil, callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", shown, maxReadSize>>20)
	}
	return b, nil
}

// readURL reads target with the URL reader; without one every host is
// refused.
func (r *Reader) readURL(ctx context.Context, target string) ([]byte, error) {
	urls := r.URLs
	if urls == nil {
		urls = &urlread.Reader{}
	}
	return urls.Read(ctx, target)
}

// Expand resolves a target that may hold a glob into the matching targets,
// sorted. Globs work for file and embedded locations ("**" matches any
// number of directories); URLs are returned as they are.
func (r *Reader) Expand(typ, target string) ([]string, error) {
	if typ == TypeURL || !strings.ContainsAny(target, "*?[") {
		return []string{target}, nil
	}
	var fsys fs.FS
	prefix := ""
	switch typ {
	case TypeFile:
		fsys, prefix = os.DirFS("/"), "/"
	case TypeEmbedded:
		if r.Embedded == nil {
			return nil, nil
		}
		fsys, prefix = r.Embedded, "/"
	default:
		return nil, callboard.Errorf(callboard.Invalid, "unsupported location type %q", typ)
	}
	pattern := strings.TrimPrefix(filepath.ToSlash(target), "/")
	out, err := callboard.GlobFS(fsys, pattern, func(_ string, err error) error { return err })
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "expand %s", target)
	}
	for i := range out {
		out[i] = prefix + out[i]
	}
	return out, nil
}

// resolveTarget resolves a relative target against the location it was
// found in, as Backstage resolves Location entity targets.
func resolveTarget(typ, base, target string) (string, error) {
	switch typ {
	case TypeURL:
		if strings.Contains(target, "://") {
			return target, nil
		}
		b, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("bad base URL %q: %w", base, err)
		}
		t, err := url.Parse(target)
		if err != nil {
			return "", fmt.Errorf("bad target URL %q: %w", target, err)
		}
		return b.ResolveReference(t).String(), nil
	case TypeEmbedded:
		if strings.HasPrefix(target, "/") {
			return path.Clean(target), nil
		}
		return path.Join(path.Dir(base), target), nil
	default:
		if filepath.IsAbs(target) {
			return filepath.Clean(target), nil
		}
		return filepath.Join(filepath.Dir(base), target), nil
	}
}
