package kubernetes

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/git"
)

// Repos reads entities' manifests from their repositories with the shared
// git runner: a shallow fetch of the branch the source location names into
// a bare cache repository, then the files of that commit. Only hosts the
// portal's URL reader allows (or that have credentials) are reached.
type Repos struct {
	// GitBinary is the git executable; empty is "git" on PATH.
	GitBinary string
	// Timeout bounds one git command; zero is 2 minutes.
	Timeout time.Duration
	// AllowHost says whether a repository's host may be read
	// (backend.reading.allow); hosts with credentials always may.
	AllowHost func(u *url.URL) bool
	// Credentials are the user and token for a host (integrations).
	Credentials func(host string) (user, token string)
	// AllowFile allows file:// repositories (tests, local mirrors).
	AllowFile bool
	// Dir holds the bare cache repositories; empty is the user's cache
	// directory.
	Dir string
	// Freshness is how long a fetched branch is read without fetching
	// again, so that the tab, the API and the job share a fetch; zero is
	// 30 seconds.
	Freshness time.Duration

	mu      sync.Mutex
	locks   map[string]*sync.Mutex
	fetched map[string]fetch
}

type fetch struct {
	at     time.Time
	commit string
}

// What one entity's manifests may cost: files and bytes read from its
// repository, and objects rendered.
const (
	maxManifestFiles = 500
	maxManifestBytes = 8 << 20
	maxManifests     = 200
)

// repoLocation is where an entity's files are: a repository, its branch
// ("" is the default branch) and the folder of the source location.
type repoLocation struct {
	repo, branch, dir string
}

// locate parses a backstage.io/source-location url: as Backstage users
// write it (GitHub, Gitea and Bitbucket tree/blob/src, GitLab -/tree, a
// bare repository URL).
func locate(raw string) (repoLocation, error) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" {
		return repoLocation{}, callboard.Errorf(callboard.Invalid, "source location %q is not a plain repository URL", raw)
	}
	switch u.Scheme {
	case "https", "http", "file":
	default:
		return repoLocation{}, callboard.Errorf(callboard.Invalid, "source location %q: only https (and file, when allowed) repositories are read", raw)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	end, rest := len(segs), []string(nil)
	for i := 1; i < len(segs); i++ {
		switch {
		case segs[i-1] == "-" && (segs[i] == "tree" || segs[i] == "blob"):
			end, rest = i-1, segs[i+1:]
		case segs[i] == "tree" || segs[i] == "blob" || segs[i] == "src":
			if i < 2 && u.Scheme != "file" {
				continue
			}
			end, rest = i, segs[i+1:]
		default:
			continue
		}
		break
	}
	loc := repoLocation{dir: "."}
	if end < len(segs) {
		if len(rest) == 0 || rest[0] == "" || strings.HasPrefix(rest[0], "-") {
			return repoLocation{}, callboard.Errorf(callboard.Invalid, "source location %q names no branch", raw)
		}
		loc.branch = rest[0]
		loc.dir = path.Clean(strings.Join(rest[1:], "/"))
		if loc.dir == "" {
			loc.dir = "."
		}
	}
	for _, s := range segs[:end] {
		if s == "" || s == "." || s == ".." {
			return repoLocation{}, callboard.Errorf(callboard.Invalid, "source location %q names no repository", raw)
		}
	}
	if loc.dir == ".." || strings.HasPrefix(loc.dir, "../") {
		return repoLocation{}, callboard.Errorf(callboard.Invalid, "source location %q leaves its repository", raw)
	}
	loc.repo = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + strings.Join(segs[:end], "/")}).String()
	return loc, nil
}

// checkout is the files of one folder of a repository at a commit, by
// their path in the repository.
type checkout struct {
	commit string
	files  map[string][]byte
}

// read fetches loc's branch (unless fetched moments ago) and returns the
// regular files below scope (a folder of the repository) at its commit.
// Symbolic links and submodules are left out; more than maxManifestFiles
// files or maxManifestBytes bytes is an error.
func (r *Repos) read(ctx context.Context, loc repoLocation, scope string) (*checkout, error) {
	if err := r.allowed(loc.repo); err != nil {
		return nil, err
	}
	dir, err := r.cacheDir(loc)
	if err != nil {
		return nil, err
	}
	lock := r.lock(dir)
	lock.Lock()
	defer lock.Unlock()
	commit, err := r.fetch(ctx, loc, dir)
	if err != nil {
		return nil, err
	}
	// First the list with sizes, so that nothing over the bounds is read.
	// A literal pathspec: the folder's name is not a glob.
	spec := ":(literal)" + scope
	out, err := r.git(ctx, loc, dir, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", spec)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	var total int64
	for _, entry := range strings.Split(out, "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 4 || f[1] != "blob" || (f[0] != "100644" && f[0] != "100755") {
			continue
		}
		size, _ := strconv.ParseInt(f[3], 10, 64)
		total += size
		want[name] = true
		if len(want) > maxManifestFiles || total > maxManifestBytes {
			return nil, callboard.Errorf(callboard.Invalid, "%s at %s: %s holds more than %d files or %d MiB; point %s at a smaller folder",
				loc.repo, short(commit), scope, maxManifestFiles, maxManifestBytes>>20, AnnotationManifests)
		}
	}
	co := &checkout{commit: commit, files: map[string][]byte{}}
	if len(want) == 0 {
		return co, nil
	}
	tarball, err := r.git(ctx, loc, dir, "archive", "--format=tar", commit, "--", spec)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(strings.NewReader(tarball))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return co, nil
		}
		if err != nil {
			return nil, callboard.Errorf(callboard.Upstream, "%s at %s: %v", loc.repo, short(commit), err)
		}
		if h.Typeflag != tar.TypeReg || !want[h.Name] {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes))
		if err != nil {
			return nil, err
		}
		co.files[h.Name] = b
	}
}

// fetch brings dir's FETCH_HEAD to loc's branch and returns its commit.
func (r *Repos) fetch(ctx context.Context, loc repoLocation, dir string) (string, error) {
	fresh := r.Freshness
	if fresh <= 0 {
		fresh = 30 * time.Second
	}
	r.mu.Lock()
	last := r.fetched[dir]
	r.mu.Unlock()
	if last.commit != "" && time.Since(last.at) < fresh {
		return last.commit, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return "", err
		}
		if _, err := r.git(ctx, loc, "", "init", "--bare", "--quiet", dir); err != nil {
			return "", err
		}
	}
	ref := loc.branch
	if ref == "" {
		ref = "HEAD"
	}
	if _, err := r.git(ctx, loc, dir, "fetch", "--depth", "1", "--no-tags", "--no-recurse-submodules", "--", loc.repo, ref); err != nil {
		return "", err
	}
	out, err := r.git(ctx, loc, dir, "rev-parse", "--verify", "FETCH_HEAD^{commit}")
	if err != nil {
		return "", err
	}
	commit := strings.TrimSpace(out)
	r.mu.Lock()
	r.fetched[dir] = fetch{at: time.Now(), commit: commit}
	r.mu.Unlock()
	return commit, nil
}

// git runs one command through the shared runner, in the bare cache dir
// (gitDir) when set; fetches carry the host's credentials.
func (r *Repos) git(ctx context.Context, loc repoLocation, gitDir string, args ...string) (string, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	u, _ := url.Parse(loc.repo)
	run := git.Runner{Binary: r.GitBinary, Timeout: timeout, AllowFile: u.Scheme == "file" && r.AllowFile, AllowHTTP: u.Scheme == "http"}
	c := git.Cmd{GitDir: gitDir, Args: args}
	if args[0] == "fetch" {
		c.Remote = loc.repo
		if r.Credentials != nil {
			c.Username, c.Token = r.Credentials(u.Host)
		}
	}
	out, err := run.Run(ctx, c)
	if err != nil {
		branch := loc.branch
		if branch == "" {
			branch = "default branch"
		}
		kind := callboard.ErrorKind(err)
		if strings.Contains(err.Error(), "couldn't find remote ref") {
			kind = callboard.Invalid // the source location names no such branch
		}
		return "", callboard.Wrap(kind, err, "manifests from %s (%s)", loc.repo, branch)
	}
	return out, nil
}

// allowed refuses repositories the portal may not read.
func (r *Repos) allowed(repo string) error {
	u, err := url.Parse(repo)
	if err != nil {
		return callboard.Errorf(callboard.Invalid, "%q is not a URL", repo)
	}
	switch {
	case u.Scheme == "file" && r.AllowFile:
		return nil
	case u.Scheme == "file":
		return callboard.Errorf(callboard.Forbidden, "manifests from %s: file:// repositories are not allowed", repo)
	case r.Credentials != nil:
		if _, token := r.Credentials(u.Host); token != "" {
			return nil
		}
	}
	if r.AllowHost == nil || !r.AllowHost(u) {
		return callboard.Errorf(callboard.Forbidden, "manifests from %s: host %s is not allowed; add it to backend.reading.allow", repo, u.Host)
	}
	return nil
}

// cacheDir is the bare repository that caches loc's branch.
func (r *Repos) cacheDir(loc repoLocation) (string, error) {
	root := r.Dir
	if root == "" {
		// Not a shared temp dir, where another local user could plant a
		// repository whose config runs commands.
		d, err := os.UserCacheDir()
		if err != nil {
			return "", callboard.Errorf(callboard.Internal, "no cache directory for manifests: %v", err)
		}
		root = filepath.Join(d, "callboard", "kubernetes")
	}
	sum := sha256.Sum256([]byte(loc.repo + "\x00" + loc.branch))
	return filepath.Join(root, hex.EncodeToString(sum[:12])+".git"), nil
}

func (r *Repos) lock(dir string) *sync.Mutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.locks == nil {
		r.locks, r.fetched = map[string]*sync.Mutex{}, map[string]fetch{}
	}
	if r.locks[dir] == nil {
		r.locks[dir] = &sync.Mutex{}
	}
	return r.locks[dir]
}

// short is a commit as people quote it.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
