package scaffold

import (
	"context"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"callboard"
	"callboard/urlread"
)

// Fetcher reads what fetch actions point at. URLs are absolute: the
// actions resolve relative ones against the template's location first.
type Fetcher interface {
	// FetchTree returns the directory at url.
	FetchTree(ctx context.Context, url string) (fs.FS, error)
	// FetchFile returns the file at url.
	FetchFile(ctx context.Context, url string) ([]byte, error)
}

// URLFetcher reads file:// directories and files, http(s) files from
// allowed hosts, and embedded: paths from an embedded tree (the demo's
// templates). Directories over http(s) are read by a host's integration
// (GitHub's trees, with its token).
type URLFetcher struct {
	// URLs reads http(s) files: the hosts backend.reading.allow and the
	// integrations allow, each redirect checked again. Its zero MaxBytes
	// and Timeout are 32 MiB and 30 s here, as templates carry larger
	// files than catalog descriptors. Nil reads no URL.
	URLs *urlread.Reader
	// Embedded serves embedded:/path URLs.
	Embedded fs.FS
}

// Defaults for the fetch actions' URL reads.
const (
	maxFetchSize = 32 << 20
	fetchTimeout = 30 * time.Second
)

// FetchTree returns a local or embedded directory. Errors: NotFound,
// Invalid for an unsupported URL.
func (f *URLFetcher) FetchTree(ctx context.Context, rawURL string) (fs.FS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "bad URL %q", rawURL)
	}
	switch u.Scheme {
	case "file":
		fi, err := os.Stat(u.Path)
		if err != nil || !fi.IsDir() {
			return nil, callboard.Errorf(callboard.NotFound, "directory %s does not exist", u.Path)
		}
		return os.DirFS(u.Path), nil
	case "embedded":
		if f.Embedded == nil {
			return nil, callboard.Errorf(callboard.NotFound, "no embedded templates in this build")
		}
		return fs.Sub(f.Embedded, strings.TrimPrefix(path.Clean(u.Path), "/"))
	case "http", "https":
		if f.URLs == nil {
			return nil, callboard.Errorf(callboard.Invalid, "cannot read the directory %s: no URL reader", rawURL)
		}
		return f.URLs.ReadTree(ctx, rawURL)
	}
	return nil, callboard.Errorf(callboard.Invalid, "unsupported URL scheme in %q", rawURL)
}

// FetchFile returns one file. Errors: NotFound, Forbidden for a host not
// allowed, Upstream for HTTP failures, Invalid for a bad URL.
func (f *URLFetcher) FetchFile(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "bad URL %q", rawURL)
	}
	switch u.Scheme {
	case "file":
		b, err := os.ReadFile(u.Path)
		if err != nil {
			return nil, callboard.Errorf(callboard.NotFound, "file %s does not exist", u.Path)
		}
		return b, nil
	case "embedded":
		if f.Embedded == nil {
			return nil, callboard.Errorf(callboard.NotFound, "no embedded templates in this build")
		}
		b, err := fs.ReadFile(f.Embedded, strings.TrimPrefix(path.Clean(u.Path), "/"))
		if err != nil {
			return nil, callboard.Errorf(callboard.NotFound, "embedded file %s does not exist", u.Path)
		}
		return b, nil
	case "http", "https":
		return f.get(ctx, rawURL)
	}
	return nil, callboard.Errorf(callboard.Invalid, "unsupported URL scheme in %q", rawURL)
}

// get reads an http(s) URL with f.URLs and the fetch actions' defaults.
func (f *URLFetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	var r urlread.Reader
	if f.URLs != nil {
		r = *f.URLs
	}
	if r.MaxBytes == 0 {
		r.MaxBytes = maxFetchSize
	}
	if r.Timeout == 0 {
		r.Timeout = fetchTimeout
	}
	return r.Read(ctx, rawURL)
}

// resolveURL resolves a fetch action's url against the template's base.
// A file:// result must stay in the template's directory, so a template
// cannot read the server's files.
func resolveURL(base, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", callboard.Errorf(callboard.Invalid, "bad url %q", ref)
	}
	if r.IsAbs() && r.Scheme != "file" && r.Scheme != "embedded" {
		return ref, nil
	}
	if base == "" {
		return "", callboard.Errorf(callboard.Invalid, "url %q is relative, but the template's location is unknown", ref)
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", callboard.Errorf(callboard.Invalid, "bad template location %q", base)
	}
	if r.IsAbs() && r.Scheme != b.Scheme {
		return "", callboard.Errorf(callboard.Forbidden, "url %q: a template read from %s may not read %s URLs", ref, b.Scheme, r.Scheme)
	}
	out := b.ResolveReference(r)
	if b.Scheme == "file" || b.Scheme == "embedded" {
		dir := path.Dir(b.Path)
		if p := path.Clean(out.Path); p != dir && !strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/") {
			return "", callboard.Errorf(callboard.Forbidden, "url %q points outside the template's directory", ref)
		}
		// Local paths use the OS separator when read.
		out.Path = filepath.ToSlash(path.Clean(out.Path))
	}
	return out.String(), nil
}
