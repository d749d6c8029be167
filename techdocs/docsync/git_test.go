package docsync_test

import (
	"context"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/techdocs/docsync"
	"callboard/techdocs/publish"
)

// gitRepo is a work tree with docs and a bare clone of it that entities
// point at through file:// URLs.
type gitRepo struct {
	work, bare string
}

func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	r := &gitRepo{work: filepath.Join(root, "work"), bare: filepath.Join(root, "repo.git")}
	if err := os.MkdirAll(r.work, 0o755); err != nil {
		t.Fatal(err)
	}
	runGit(t, r.work, "init", "--quiet", "--initial-branch=main")
	r.write(t, "mkdocs.yml", "site_name: Root docs\n")
	r.write(t, "docs/index.md", "# Root\n\nHello.\n")
	r.write(t, "sub/catalog-info.yaml", "kind: Component\n")
	r.write(t, "sub/mkdocs.yml", "site_name: Sub docs\n")
	r.write(t, "sub/docs/index.md", "# Sub\n\nSee [more](more.md).\n")
	r.write(t, "sub/docs/more.md", "# More\n")
	r.commit(t, "initial")
	runGit(t, root, "clone", "--quiet", "--bare", r.work, r.bare)
	runGit(t, r.work, "remote", "add", "origin", r.bare)
	return r
}

func (r *gitRepo) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(r.work, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// commit commits everything and pushes it to the bare repository.
func (r *gitRepo) commit(t *testing.T, msg string) {
	t.Helper()
	runGit(t, r.work, "add", "-A")
	runGit(t, r.work, "commit", "--quiet", "-m", msg)
	if _, err := os.Stat(r.bare); err == nil {
		runGit(t, r.work, "push", "--quiet", "origin", "main")
	}
}

func (r *gitRepo) url() string { return "file://" + filepath.ToSlash(r.bare) }

type gitBundle struct {
	entity *callboard.Entity
	pub    *publish.Local
	builds int
	opts   docsync.Options
}

func gitSetup(t *testing.T, annotations map[string]string) *gitBundle {
	t.Helper()
	b := &gitBundle{entity: &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "svc", Annotations: annotations}}}
	pub, err := publish.NewLocal(filepath.Join(t.TempDir(), "published"))
	if err != nil {
		t.Fatal(err)
	}
	b.pub = pub
	b.opts = docsync.Options{
		Publisher: countingPublisher{pub, &b.builds},
		Open: func(ctx context.Context, src docsync.Source) (fs.FS, error) {
			t.Fatalf("Open called for %+v: git sources are read by the Syncer", src)
			return nil, nil
		},
		Entities:       func(ctx context.Context) ([]*callboard.Entity, error) { return []*callboard.Entity{b.entity}, nil },
		Entity:         func(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error) { return b.entity, nil },
		WorkDir:        t.TempDir(),
		AllowFileRepos: true,
		GitFreshness:   -1,
	}
	return b
}

func (b *gitBundle) syncer(t *testing.T) *docsync.Syncer {
	t.Helper()
	s, err := docsync.New(b.opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *gitBundle) page(t *testing.T, name string) string {
	t.Helper()
	rc, _, err := b.pub.Open(t.Context(), b.entity.Ref(), name)
	if err != nil {
		t.Fatalf("open published %s: %v", name, err)
	}
	defer rc.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return sb.String()
}

func TestSyncGitURL(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url()})
	s := b.syncer(t)

	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("first Sync = %v, %v; want built", updated, err)
	}
	m, err := b.pub.Metadata(t.Context(), b.entity.Ref())
	if err != nil || m.SiteName != "Root docs" {
		t.Fatalf("metadata = %+v, %v; want site Root docs", m, err)
	}
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || updated {
		t.Fatalf("second Sync = %v, %v; want skipped", updated, err)
	}
	// A change outside the docs does not rebuild.
	r.write(t, "README.md", "unrelated\n")
	r.commit(t, "readme")
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || updated {
		t.Fatalf("Sync after an unrelated commit = %v, %v; want skipped", updated, err)
	}
	r.write(t, "docs/index.md", "# Root\n\nChanged words.\n")
	r.commit(t, "change docs")
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("Sync after a docs commit = %v, %v; want rebuilt", updated, err)
	}
	if p := b.page(t, "index.html"); !strings.Contains(p, "Changed words") {
		t.Errorf("rebuilt page lacks the change:\n%s", p)
	}
	if b.builds != 2 {
		t.Errorf("Publish calls = %d, want 2", b.builds)
	}

	// A new Syncer on the same work dir reuses the clone and the
	// published hash: nothing to build.
	s2 := b.syncer(t)
	if updated, err := s2.Sync(t.Context(), b.entity.Ref()); err != nil || updated {
		t.Fatalf("Sync by a new Syncer = %v, %v; want skipped", updated, err)
	}
}

// commitAt commits everything with the given commit time and pushes it.
func (r *gitRepo) commitAt(t *testing.T, msg string, at time.Time) {
	t.Helper()
	t.Setenv("GIT_COMMITTER_DATE", at.Format(time.RFC3339))
	t.Setenv("GIT_AUTHOR_DATE", at.Format(time.RFC3339))
	r.commit(t, msg)
}

func TestSyncGitRecordsSourceCommit(t *testing.T) {
	r := newGitRepo(t)
	docsAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.write(t, "docs/index.md", "# Root\n\nMarch.\n")
	r.commitAt(t, "docs in march", docsAt)
	r.write(t, "README.md", "later, outside the docs\n")
	r.commitAt(t, "readme in june", docsAt.AddDate(0, 3, 0))
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url()})
	s := b.syncer(t)

	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("Sync = %v, %v; want built", updated, err)
	}
	commitOf := func() time.Time {
		t.Helper()
		m, err := b.pub.Metadata(t.Context(), b.entity.Ref())
		if err != nil {
			t.Fatal(err)
		}
		return docsync.SourceCommitTime(m)
	}
	// The last commit that changed the docs, not the repository's last.
	if got := commitOf(); !got.Equal(docsAt) {
		t.Fatalf("source commit = %v, want %v (the docs' last change)", got, docsAt)
	}
	// A commit to mkdocs.yml counts as a change of the site's sources.
	cfgAt := docsAt.AddDate(0, 5, 0)
	r.write(t, "mkdocs.yml", "site_name: Root docs v2\n")
	r.commitAt(t, "rename the site", cfgAt)
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("Sync after a mkdocs.yml commit = %v, %v; want rebuilt", updated, err)
	}
	if got := commitOf(); !got.Equal(cfgAt) {
		t.Errorf("source commit after the mkdocs.yml change = %v, want %v", got, cfgAt)
	}
}

func TestSyncGitFreshness(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url()})
	b.opts.GitFreshness = time.Hour
	s := b.syncer(t)
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("first Sync = %v, %v; want built", updated, err)
	}
	r.write(t, "docs/index.md", "# Root\n\nChanged.\n")
	r.commit(t, "change")
	// Within the freshness window the clone is not fetched again.
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || updated {
		t.Fatalf("Sync within the window = %v, %v; want skipped", updated, err)
	}
}

func TestSyncGitTreeSubdir(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url() + "/tree/main/sub"})
	s := b.syncer(t)
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("Sync = %v, %v; want built", updated, err)
	}
	if m, _ := b.pub.Metadata(t.Context(), b.entity.Ref()); m == nil || m.SiteName != "Sub docs" {
		t.Fatalf("metadata = %+v; want site Sub docs", m)
	}
}

func TestSyncGitDirNextToURLLocation(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{
		callboard.AnnotationManagedByLocation: "url:" + r.url() + "/blob/main/sub/catalog-info.yaml",
		callboard.AnnotationTechDocsRef:       "dir:.",
	})
	s := b.syncer(t)
	if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
		t.Fatalf("Sync = %v, %v; want built", updated, err)
	}
	if m, _ := b.pub.Metadata(t.Context(), b.entity.Ref()); m == nil || m.SiteName != "Sub docs" {
		t.Fatalf("metadata = %+v; want site Sub docs", m)
	}
}

func TestSyncGitMissingBranch(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url() + "/tree/nope/sub"})
	_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("Sync of a missing branch = %v; want an error naming it", err)
	}
}

func TestSyncGitHostNotAllowed(t *testing.T) {
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:https://git.internal.example/o/r/tree/main/docs"})
	b.opts.AllowHost = callboard.HostRules("github.com").Allows
	_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
	if callboard.ErrorKind(err) != callboard.Forbidden || !strings.Contains(err.Error(), "backend.reading.allow") || !strings.Contains(err.Error(), "git.internal.example") {
		t.Fatalf("Sync = %v; want Forbidden naming the host and backend.reading.allow", err)
	}
	if b.builds != 0 {
		t.Errorf("Publish calls = %d, want 0", b.builds)
	}
}

func TestSyncGitFileReposNeedOptIn(t *testing.T) {
	r := newGitRepo(t)
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + r.url()})
	b.opts.AllowFileRepos = false
	b.opts.AllowHost = func(*url.URL) bool { return true }
	if _, err := b.syncer(t).Sync(t.Context(), b.entity.Ref()); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Fatalf("Sync = %v; want Forbidden", err)
	}
}

func TestSyncGitRefusesTraversal(t *testing.T) {
	r := newGitRepo(t)
	// A folder that is a symlink out of the repository, and a docs page
	// that links out.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "mkdocs.yml"), []byte("site_name: Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.md"), []byte("# TOP SECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.work, "escape")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(r.work, "docs", "secret.md")); err != nil {
		t.Fatal(err)
	}
	r.commit(t, "symlinks")

	for _, tc := range []struct{ name, ref, loc string }{
		{name: "dotdot url", ref: "url:" + r.url() + "/tree/main/../.."},
		{name: "symlinked folder", ref: "url:" + r.url() + "/tree/main/escape"},
		{name: "dotdot dir", ref: "dir:../..", loc: "url:" + r.url() + "/blob/main/sub/catalog-info.yaml"},
		{name: "symlinked page", ref: "url:" + r.url()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ann := map[string]string{callboard.AnnotationTechDocsRef: tc.ref}
			if tc.loc != "" {
				ann[callboard.AnnotationManagedByLocation] = tc.loc
			}
			b := gitSetup(t, ann)
			_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
			if err == nil {
				if strings.Contains(b.page(t, "secret/index.html"), "TOP SECRET") {
					t.Fatal("a file outside the clone was published")
				}
				return
			}
			if callboard.ErrorKind(err) != callboard.Invalid {
				t.Fatalf("Sync = %v; want Invalid", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}
