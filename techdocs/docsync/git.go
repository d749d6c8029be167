package docsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"callboard"
	"callboard/git"
)

// TypeGit is the Source type of docs read from a git repository.
const TypeGit = "git"

// DefaultGitTimeout bounds one git command (clone or fetch).
const DefaultGitTimeout = 2 * time.Minute

// DefaultGitFreshness is how long a fetched clone is read without fetching
// again: entities of one repository, and the /sync calls of page views,
// share a fetch.
const DefaultGitFreshness = 10 * time.Second

// ParseRepoURL splits a repository URL as Backstage users write it in
// backstage.io/techdocs-ref (url:...) or a url: location into a git Source:
//
//	https://github.com/org/repo/tree/<branch>/<subdir>
//	https://github.com/org/repo/blob/<branch>/<path>
//	https://gitlab.example.com/group/sub/repo/-/tree/<branch>/<subdir>
//	https://host/org/repo(.git)             default branch, root
//	file:///srv/repo.git(/tree/<branch>/<subdir>)
//
// The branch is one path segment (branches with a slash are not
// recognised). The folder must stay inside the repository.
func ParseRepoURL(raw string) (Source, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Source{}, callboard.Errorf(callboard.Invalid, "%q is not a URL", raw)
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return Source{}, callboard.Errorf(callboard.Invalid, "%q has no host", raw)
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Source{}, callboard.Errorf(callboard.Invalid, "%q: file URLs must be local (file:///path)", raw)
		}
	default:
		return Source{}, callboard.Errorf(callboard.Invalid, "%q: only https (and file, when allowed) repository URLs are supported", raw)
	}
	if u.User != nil {
		return Source{}, callboard.Errorf(callboard.Invalid, "%q: put credentials in the integrations config, not in the URL", raw)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return Source{}, callboard.Errorf(callboard.Invalid, "%q names no repository", raw)
	}
	repoEnd, rest := len(segs), []string(nil)
	// GitLab first (group/sub/repo/-/tree/<branch>/...): its groups may
	// hold a segment named tree.
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] == "-" && (segs[i+1] == "tree" || segs[i+1] == "blob") {
			repoEnd, rest = i, segs[i+2:]
			break
		}
	}
	for i := 1; repoEnd == len(segs) && i < len(segs); i++ {
		s := segs[i]
		switch {
		case u.Scheme == "file":
			// file:///srv/repo.git/tree/<branch>/...
			if (s == "tree" || s == "blob") && strings.HasSuffix(segs[i-1], ".git") {
				repoEnd, rest = i, segs[i+1:]
			}
		case i >= 2 && (s == "tree" || s == "blob" || s == "src"):
			// GitHub, Gitea, Bitbucket (src): org/repo/tree/<branch>/...
			repoEnd, rest = i, segs[i+1:]
		}
	}
	if u.Scheme != "file" && repoEnd < 2 {
		return Source{}, callboard.Errorf(callboard.Invalid, "%q: want https://host/org/repo[/tree/<branch>/<folder>]", raw)
	}
	for _, s := range segs[:repoEnd] {
		if s == "." || s == ".." || s == "" {
			return Source{}, callboard.Errorf(callboard.Invalid, "%q: the repository path is not clean", raw)
		}
	}
	src := Source{Type: TypeGit, Dir: "."}
	if repoEnd < len(segs) {
		if len(rest) == 0 || rest[0] == "" {
			return Source{}, callboard.Errorf(callboard.Invalid, "%q names no branch after tree/ or blob/", raw)
		}
		src.Branch = rest[0]
		if strings.HasPrefix(src.Branch, "-") || strings.ContainsAny(src.Branch, "\x00\\ :~^?*[") {
			return Source{}, callboard.Errorf(callboard.Invalid, "%q: branch %q is not valid", raw, src.Branch)
		}
		dir, err := repoFolder(strings.Join(rest[1:], "/"))
		if err != nil {
			return Source{}, callboard.Wrap(callboard.Invalid, err, "%q", raw)
		}
		src.Dir = dir
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + strings.Join(segs[:repoEnd], "/")}
	src.Repo = c.String()
	return src, nil
}

// repoFolder cleans a folder inside a repository; leaving it is an error.
func repoFolder(p string) (string, error) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", errors.New("the folder must be a plain relative path")
	}
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return "", errors.New("the folder leaves the repository")
	}
	return p, nil
}

// checkRepo refuses repositories the options do not allow.
func (s *Syncer) checkRepo(src Source) error {
	u, err := url.Parse(src.Repo)
	if err != nil {
		return callboard.Errorf(callboard.Invalid, "%q is not a URL", src.Repo)
	}
	if u.Scheme == "file" {
		if !s.opts.AllowFileRepos {
			return callboard.Errorf(callboard.Forbidden, "docs from %s: file:// repositories are not allowed", src.Repo)
		}
		return nil
	}
	if _, pass := s.credentials(u.Host); pass != "" {
		return nil // a configured integration host
	}
	if s.opts.AllowHost == nil || !s.opts.AllowHost(u) {
		return callboard.Errorf(callboard.Forbidden, "docs from %s: host %s is not allowed; add it to backend.reading.allow", src.Repo, u.Host)
	}
	return nil
}

// gitDir is the clone of src's repository and branch in the cache.
func (s *Syncer) gitDir(src Source) string {
	sum := sha256.Sum256([]byte(src.Repo + "\x00" + src.Branch))
	return filepath.Join(s.gitCache(), hex.EncodeToString(sum[:12]))
}

func (s *Syncer) gitCache() string {
	return filepath.Join(s.opts.WorkDir, "git")
}

// defaultWorkDir is the user's cache dir: not a shared temp dir, where
// another local user could plant a clone whose .git/config runs commands.
func defaultWorkDir() (string, error) {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "callboard", "docsync"), nil
	}
	return os.MkdirTemp("", "callboard-docsync-")
}

// openGit brings the clone of src's repository up to date and returns its
// docs folder, and a func that releases it. The caller holds the
// repository's lock while it reads the file system. Neither ".." nor
// symlinks can lead out of the clone.
func (s *Syncer) openGit(ctx context.Context, src Source) (fs.FS, func(), error) {
	if err := s.checkRepo(src); err != nil {
		return nil, nil, err
	}
	dir := s.gitDir(src)
	fresh := s.opts.GitFreshness
	if fresh == 0 {
		fresh = DefaultGitFreshness
	}
	s.mu.Lock()
	last := s.fetched[dir]
	s.mu.Unlock()
	_, statErr := os.Stat(filepath.Join(dir, ".git"))
	switch {
	case statErr == nil && !last.IsZero() && time.Since(last) < fresh:
		// Fetched moments ago (another entity of the repository).
	case statErr == nil:
		if err := s.gitUpdate(ctx, src, dir); err != nil {
			return nil, nil, err
		}
	default:
		if err := s.gitClone(ctx, src, dir); err != nil {
			return nil, nil, err
		}
	}
	if last.IsZero() || time.Since(last) >= fresh {
		s.mu.Lock()
		s.fetched[dir] = time.Now()
		s.mu.Unlock()
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	sub := root
	if src.Dir != "." {
		// OpenRoot refuses ".." and symlinks that leave the clone.
		sub, err = root.OpenRoot(filepath.FromSlash(src.Dir))
		root.Close()
		if err != nil {
			return nil, nil, callboard.Errorf(callboard.Invalid, "docs folder %q is not a folder inside %s (branch %s)", src.Dir, src.Repo, branchName(src))
		}
	}
	if fi, err := sub.Stat("."); err != nil || !fi.IsDir() {
		sub.Close()
		return nil, nil, callboard.Errorf(callboard.Invalid, "docs folder %q is not a folder of %s", src.Dir, src.Repo)
	}
	return sub.FS(), func() { sub.Close() }, nil
}

// lastCommit returns the time of the last commit that changed the site's
// sources (paths, relative to src.Dir) in the clone of src, or the zero
// time when git cannot tell.
func (s *Syncer) lastCommit(ctx context.Context, src Source, paths []string) time.Time {
	args := []string{"log", "-1", "--format=%ct", "HEAD", "--"}
	for _, p := range paths {
		args = append(args, path.Join(src.Dir, p))
	}
	out, err := s.git(ctx, src, s.gitDir(src), args...)
	if err != nil {
		s.log.Debug("docs source commit time unknown", "repo", src.Repo, "err", err)
		return time.Time{}
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func branchName(src Source) string {
	if src.Branch == "" {
		return "default"
	}
	return src.Branch
}

func (s *Syncer) gitClone(ctx context.Context, src Source, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".clone-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// A blobless clone: every commit and tree (so that the docs folder's
	// last commit is known, for the IDP's docs freshness) but only the
	// blobs of the checked-out commit, fetched as a shallow clone would.
	// A server without filter support sends a full clone instead.
	args := []string{"clone", "--filter=blob:none", "--single-branch", "--no-tags", "--no-recurse-submodules"}
	if src.Branch != "" {
		args = append(args, "--branch", src.Branch)
	}
	args = append(args, "--", src.Repo, tmp)
	if _, err := s.git(ctx, src, "", args...); err != nil {
		return err
	}
	os.RemoveAll(dir) // a broken earlier clone
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("docs from %s: %w", src.Repo, err)
	}
	s.log.Info("docs repository cloned", "repo", src.Repo, "branch", branchName(src))
	return nil
}

func (s *Syncer) gitUpdate(ctx context.Context, src Source, dir string) error {
	ref := "HEAD"
	if src.Branch != "" {
		ref = src.Branch
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "shallow")); err == nil {
		// A depth-1 clone of an earlier version knows no history: clone again.
		return s.gitClone(ctx, src, dir)
	}
	// The clone's promisor config keeps fetches blobless.
	if _, err := s.git(ctx, src, dir, "fetch", "--no-tags", "--no-recurse-submodules", "origin", ref); err != nil {
		return err
	}
	_, err := s.git(ctx, src, dir, "reset", "--hard", "--quiet", "FETCH_HEAD")
	return err
}

// git runs one git command for src through the shared runner: https, and
// http or file when src is such a repository (file only with
// AllowFileRepos), with the host's credentials scoped to the repository's
// origin and a timeout.
func (s *Syncer) git(ctx context.Context, src Source, dir string, args ...string) ([]byte, error) {
	timeout := s.opts.GitTimeout
	if timeout <= 0 {
		timeout = DefaultGitTimeout
	}
	u, _ := url.Parse(src.Repo)
	r := git.Runner{Binary: s.opts.GitBinary, Timeout: timeout,
		AllowFile: u != nil && u.Scheme == "file" && s.opts.AllowFileRepos,
		AllowHTTP: u != nil && u.Scheme == "http"}
	user, pass := s.credentials(hostOf(u))
	out, err := r.Run(ctx, git.Cmd{Dir: dir, Remote: src.Repo, Username: user, Token: pass, Args: args})
	if err == nil {
		return []byte(out), nil
	}
	kind := callboard.ErrorKind(err)
	if msg := err.Error(); kind == callboard.Upstream &&
		(strings.Contains(msg, "Remote branch") && strings.Contains(msg, "not found") || strings.Contains(msg, "couldn't find remote ref")) {
		kind = callboard.Invalid
	}
	return nil, callboard.Wrap(kind, err, "docs from %s (branch %s)", src.Repo, branchName(src))
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Host
}

func (s *Syncer) credentials(host string) (user, pass string) {
	if s.opts.Credentials == nil || host == "" {
		return "", ""
	}
	return s.opts.Credentials(host)
}
