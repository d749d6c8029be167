package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"callboard"
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

// Reader reads location targets: local files, http(s) URLs on allowed hosts,
// and the embedded demo tree.
type Reader struct {
	// AllowHosts is backend.reading.allow: the hosts, ports and paths URL
	// targets may be read from (see callboard.AllowRule). Empty means no
	// URL may be read.
	AllowHosts callboard.AllowRules
	// Embedded is served for the "embedded" type; targets are slash paths.
	Embedded fs.FS
	// Client is used for URLs; nil means a client with a 10 s timeout.
	Client *http.Client
	// URLReaders are integrations' readers (GitHub with its token), tried
	// in order before plain HTTP; the first that handles a URL answers for
	// it, and its host needs no AllowHosts entry.
	URLReaders []URLReader
}

// URLReader reads a URL it recognizes; handled is false for URLs it does
// not serve.
type URLReader func(ctx context.Context, u *url.URL) (data []byte, handled bool, err error)

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

func (r *Reader) readURL(ctx context.Context, target string) ([]byte, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%q is not an http(s) URL", target)
	}
	for _, read := range r.URLReaders {
		if b, ok, err := read(ctx, u); ok {
			return b, err
		}
	}
	if !r.hostAllowed(u) {
		return nil, callboard.Errorf(callboard.Forbidden,
			"reading from %s is not allowed; add it to backend.reading.allow or configure an integration for it", u.Host)
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	client = guardRedirects(client, r.hostAllowed)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL(u).String(), nil)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "bad URL %s", target)
	}
	resp, err := client.Do(req)
	if msg, ok := redirectRefused(err); ok {
		return nil, callboard.Errorf(callboard.Forbidden, "read %s: %s", target, msg)
	}
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", target)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, callboard.Errorf(callboard.NotFound, "%s returned 404 Not Found", target)
	}
	if resp.StatusCode/100 != 2 {
		return nil, callboard.Errorf(callboard.Upstream, "%s returned %s", target, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReadSize+1))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", target)
	}
	if len(b) > maxReadSize {
		return nil, callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", target, maxReadSize>>20)
	}
	return b, nil
}

// rawURL turns a GitHub blob URL into its raw content URL, as Backstage's
// GitHub reader does for public repositories.
func rawURL(u *url.URL) *url.URL {
	if u.Host != "github.com" {
		return u
	}
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 5)
	if len(parts) == 5 && (parts[2] == "blob" || parts[2] == "tree") {
		c := *u
		c.Host = "raw.githubusercontent.com"
		c.Path = "/" + parts[0] + "/" + parts[1] + "/" + parts[3] + "/" + parts[4]
		return &c
	}
	return u
}

func (r *Reader) hostAllowed(u *url.URL) bool { return r.AllowHosts.Allows(u) }

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
	root := pattern
	if i := strings.IndexAny(root, "*?["); i >= 0 {
		root = path.Dir(root[:i+1])
	}
	var out []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && callboard.MatchPath(pattern, p) {
			out = append(out, prefix+p)
		}
		return nil
	})
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "expand %s", target)
	}
	sort.Strings(out)
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
