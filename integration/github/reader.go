package github

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing/fstest"

	"callboard"
	"callboard/urlread"
)

// maxFile bounds a file read through the URL reader.
const maxFile = 8 << 20

// fileURL is a file in a repository at a ref.
type fileURL struct {
	owner, repo, ref, path string
}

// parseFileURL recognizes the URLs of files on this host:
// {web}/{o}/{r}/blob|raw/{ref}/{path} and {rawBase}/{o}/{r}/{ref}/{path}.
// A ref with slashes cannot be told apart from the path; the first
// segment is taken as the ref, as Backstage's reader does without a
// lookup.
func (c *Client) parseFileURL(u *url.URL) (fileURL, bool) {
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 5)
	if u.Host == c.cfg.Host && len(parts) == 5 && (parts[2] == "blob" || parts[2] == "raw") && parts[4] != "" {
		return fileURL{parts[0], parts[1], parts[3], parts[4]}, true
	}
	if raw, err := url.Parse(c.cfg.RawBaseURL); err == nil && c.cfg.RawBaseURL != "" && u.Host == raw.Host {
		p := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(u.Path, raw.Path), "/"), "/", 4)
		if len(p) == 4 && p[3] != "" {
			return fileURL{p[0], p[1], p[2], p[3]}, true
		}
	}
	return fileURL{}, false
}

// ReadURL reads a GitHub file URL through the contents API with the
// integration's credentials (and the ETag cache). handled is false for
// URLs of other hosts; URLIntegrations plugs it into a urlread.Reader.
func (c *Client) ReadURL(ctx context.Context, u *url.URL) ([]byte, bool, error) {
	f, ok := c.parseFileURL(u)
	if !ok {
		return nil, false, nil
	}
	b, err := c.ReadFile(ctx, f.owner, f.repo, f.ref, f.path)
	if err != nil && callboard.ErrorKind(err) == callboard.NotFound {
		return nil, true, callboard.Errorf(callboard.NotFound, "%s does not exist", u)
	}
	return b, true, err
}

// URLIntegrations plugs ReadURL into a urlread.Reader: one entry for the
// web host and, when it differs, one for the raw content host, so the
// reader asks this client about its own hosts only.
func (c *Client) URLIntegrations() []urlread.Integration {
	out := []urlread.Integration{{Host: c.cfg.Host, Read: c.ReadURL, ReadTree: c.ReadTreeURL}}
	if raw, err := url.Parse(c.cfg.RawBaseURL); err == nil && raw.Host != "" && raw.Host != c.cfg.Host {
		out = append(out, urlread.Integration{Host: raw.Host, Read: c.ReadURL})
	}
	return out
}

// ReadFile returns path of owner/repo at ref.
func (c *Client) ReadFile(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
	u := fmt.Sprintf("repos/%s/%s/contents/%s", url.PathEscape(owner), url.PathEscape(repo), escapePath(path))
	if ref != "" {
		u += "?ref=" + url.QueryEscape(ref)
	}
	req, err := c.gh.NewRequest("GET", u, nil)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "bad path %s", path)
	}
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/vnd.github.raw")
	var buf bytes.Buffer
	if _, err := c.gh.Do(Context(ctx), req, &buf); err != nil {
		return nil, wrap(err, "read %s/%s/%s at %s", owner, repo, path, ref)
	}
	if buf.Len() > maxFile {
		return nil, callboard.Errorf(callboard.Invalid, "%s/%s/%s is larger than %d MiB", owner, repo, path, maxFile>>20)
	}
	return buf.Bytes(), nil
}

func escapePath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// FileURL is the web URL of path in owner/repo at ref, the form catalog
// locations use.
func (c *Client) FileURL(owner, repo, ref, path string) string {
	return fmt.Sprintf("%s/%s/%s/blob/%s/%s", c.cfg.webBase(), owner, repo, ref, strings.TrimPrefix(path, "/"))
}

// Bounds of a directory read through ReadTreeURL (a template skeleton).
const (
	maxTreeFiles = 2000
	maxTreeBytes = 64 << 20
)

// ReadTreeURL reads a directory of a repository,
// {web}/{o}/{r}/tree|blob/{ref}[/{path}], with the integration's
// credentials: the git tree lists it, the contents API reads each file.
// handled is false for URLs that are not a directory of this host. Backstage
// reads fetch:template's skeletons from GitHub the same way (readTree).
func (c *Client) ReadTreeURL(ctx context.Context, u *url.URL) (fs.FS, bool, error) {
	parts := strings.SplitN(strings.Trim(u.Path, "/"), "/", 5)
	if u.Host != c.cfg.Host || len(parts) < 4 || (parts[2] != "tree" && parts[2] != "blob") {
		return nil, false, nil
	}
	owner, repo, ref, dir := parts[0], parts[1], parts[3], ""
	if len(parts) == 5 {
		dir = strings.Trim(parts[4], "/")
	}
	tree, _, err := c.gh.Git.GetTree(Context(ctx), owner, repo, ref, true)
	if err != nil {
		return nil, true, wrap(err, "list %s/%s at %s", owner, repo, ref)
	}
	if tree.GetTruncated() {
		return nil, true, callboard.Errorf(callboard.Invalid, "%s/%s at %s has too many files to read as a tree", owner, repo, ref)
	}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	out := fstest.MapFS{}
	total := 0
	for _, e := range tree.Entries {
		p := e.GetPath()
		if e.GetType() != "blob" || !strings.HasPrefix(p, prefix) || e.GetMode() == "120000" {
			continue // symbolic links are not followed, as in fetch:plain
		}
		if len(out) == maxTreeFiles {
			return nil, true, callboard.Errorf(callboard.Invalid, "%s has more than %d files", u, maxTreeFiles)
		}
		data, err := c.ReadFile(ctx, owner, repo, ref, p)
		if err != nil {
			return nil, true, err
		}
		if total += len(data); total > maxTreeBytes {
			return nil, true, callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", u, maxTreeBytes>>20)
		}
		mode := fs.FileMode(0o644)
		if e.GetMode() == "100755" {
			mode = 0o755
		}
		out[strings.TrimPrefix(p, prefix)] = &fstest.MapFile{Data: data, Mode: mode}
	}
	if len(out) == 0 {
		return nil, true, callboard.Errorf(callboard.NotFound, "%s is not a directory with files", u)
	}
	return out, true, nil
}
