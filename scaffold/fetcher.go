package scaffold

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
	"strings"
	"time"

	"callboard"
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
// templates). Directories over http(s) need a host integration (GitHub).
type URLFetcher struct {
	// AllowHosts is backend.reading.allow: the hosts, ports and paths
	// http(s) URLs may name (see callboard.AllowRule). Empty allows none.
	AllowHosts callboard.AllowRules
	// Client is used for http(s); nil means a client with a 30 s timeout.
	Client *http.Client
	// Embedded serves embedded:/path URLs.
	Embedded fs.FS
}

const maxFetchSize = 32 << 20

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
		return nil, callboard.Errorf(callboard.Invalid,
			"cannot read the directory %s over plain HTTP: only file:// and embedded templates, or hosts with an integration (GitHub), serve directories", rawURL)
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
		if !f.AllowHosts.Allows(u) {
			return nil, callboard.Errorf(callboard.Forbidden, "reading from %s is not allowed; add it to backend.reading.allow", u.Host)
		}
		return f.get(ctx, u)
	}
	return nil, callboard.Errorf(callboard.Invalid, "unsupported URL scheme in %q", rawURL)
}

func (f *URLFetcher) get(ctx context.Context, u *url.URL) ([]byte, error) {
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	client = f.guardRedirects(client)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "bad URL %s", u)
	}
	resp, err := client.Do(req)
	var refused *redirectError
	if errors.As(err, &refused) {
		return nil, callboard.Errorf(callboard.Forbidden, "read %s: %s", u, refused.msg)
	}
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", u)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, callboard.Errorf(callboard.NotFound, "%s returned 404 Not Found", u)
	}
	if resp.StatusCode/100 != 2 {
		return nil, callboard.Errorf(callboard.Upstream, "%s returned %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchSize+1))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", u)
	}
	if len(b) > maxFetchSize {
		return nil, callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", u, maxFetchSize>>20)
	}
	return b, nil
}

// maxRedirects caps the hops of one fetch, as net/http's default does.
const maxRedirects = 10

// redirectError is a redirect guardRedirects refused.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// guardRedirects returns a copy of c that follows redirects only to
// allowed hosts, so an allowed host cannot bounce a fetch to one the
// operator did not allow; c's own CheckRedirect runs after the check.
func (f *URLFetcher) guardRedirects(c *http.Client) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &redirectError{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || !f.AllowHosts.Allows(req.URL) {
			return &redirectError{fmt.Sprintf("redirect to %s is not allowed; add its host to backend.reading.allow", req.URL.Host)}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cc
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
