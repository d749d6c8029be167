package docsync_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"callboard"
	"callboard/techdocs/docsync"
	"callboard/techdocs/publish"
)

// testBundle is a component in a temp dir with docs, and a Local publisher.
type testBundle struct {
	dir    string
	entity *callboard.Entity
	pub    *publish.Local
	builds int // Publish calls seen
}

func (b *testBundle) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(b.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T, techdocsRef string) *testBundle {
	t.Helper()
	b := &testBundle{dir: filepath.Join(t.TempDir(), "repo", "svc")}
	b.write(t, "catalog-info.yaml", "kind: Component\n")
	b.write(t, "mkdocs.yml", "site_name: Svc docs\nnav:\n  - Home: index.md\n  - Second: second.md\n")
	b.write(t, "docs/index.md", "# Home\n\nSee [the second page](second.md).\n")
	b.write(t, "docs/second.md", "# Second\n\nMore words.\n")
	b.entity = &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{
		Name: "svc",
		Annotations: map[string]string{
			callboard.AnnotationManagedByLocation: "file:" + filepath.ToSlash(filepath.Join(b.dir, "catalog-info.yaml")),
			callboard.AnnotationTechDocsRef:       techdocsRef,
		},
	}}
	pub, err := publish.NewLocal(filepath.Join(t.TempDir(), "published"))
	if err != nil {
		t.Fatal(err)
	}
	b.pub = pub
	return b
}

// countingPublisher counts Publish calls.
type countingPublisher struct {
	publish.Publisher
	n *int
}

func (c countingPublisher) Publish(ctx context.Context, ref callboard.EntityRef, dir string) (publish.Result, error) {
	*c.n++
	return c.Publisher.Publish(ctx, ref, dir)
}

func (b *testBundle) syncer(t *testing.T, builder string) *docsync.Syncer {
	t.Helper()
	s, err := docsync.New(docsync.Options{
		Builder:   builder,
		Publisher: countingPublisher{b.pub, &b.builds},
		Open: func(ctx context.Context, src docsync.Source) (fs.FS, error) {
			if src.Type != "file" {
				t.Fatalf("Open type = %q, want file", src.Type)
			}
			return os.DirFS(src.Dir), nil
		},
		Entities: func(ctx context.Context) ([]*callboard.Entity, error) { return []*callboard.Entity{b.entity}, nil },
		Entity: func(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error) {
			if ref != b.entity.Ref() {
				return nil, callboard.Errorf(callboard.NotFound, "no %s", ref)
			}
			return b.entity, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSync(t *testing.T, s *docsync.Syncer, ref callboard.EntityRef, want bool) {
	t.Helper()
	got, err := s.Sync(t.Context(), ref)
	if err != nil {
		t.Fatalf("Sync(%s): %v", ref, err)
	}
	if got != want {
		t.Fatalf("Sync(%s) updated = %v, want %v", ref, got, want)
	}
}

func TestSyncBuildsOnlyWhenSourcesChange(t *testing.T) {
	b := setup(t, "dir:.")
	s := b.syncer(t, "")
	ref := b.entity.Ref()

	mustSync(t, s, ref, true)
	meta, err := b.pub.Metadata(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if meta.SiteName != "Svc docs" || meta.BuildTimestamp == 0 {
		t.Errorf("metadata = %+v, want site_name Svc docs and a build_timestamp", meta)
	}
	var hash string
	if err := json.Unmarshal(meta.Extra[docsync.HashKey], &hash); err != nil || hash == "" {
		t.Errorf("metadata %s = %s, want the source hash", docsync.HashKey, meta.Extra[docsync.HashKey])
	}
	if ok, _ := b.pub.HasDocs(t.Context(), ref); !ok {
		t.Error("HasDocs = false after the first sync")
	}

	mustSync(t, s, ref, false) // unchanged
	// A new process reads the hash from the published metadata.
	mustSync(t, b.syncer(t, ""), ref, false)

	b.write(t, "docs/second.md", "# Second\n\nEdited words.\n")
	mustSync(t, s, ref, true)
	r, _, err := b.pub.Open(t.Context(), ref, "second/index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	page, _ := io.ReadAll(r)
	if !strings.Contains(string(page), "Edited words") {
		t.Error("second page was not rebuilt with the edit")
	}
	if b.builds != 2 {
		t.Errorf("Publish calls = %d, want 2", b.builds)
	}
	st := s.Status(ref)
	if st.LastError != "" || st.LastBuild.IsZero() || st.LastSuccess.IsZero() {
		t.Errorf("Status = %+v, want a success and no error", st)
	}
	if bt, err := s.BuildTime(t.Context(), ref); err != nil || bt.IsZero() {
		t.Errorf("BuildTime = %v, %v; want a time", bt, err)
	}
}

func TestSyncSubdir(t *testing.T) {
	b := setup(t, "dir:./handbook")
	b.write(t, "handbook/mkdocs.yml", "site_name: Handbook\n")
	b.write(t, "handbook/docs/index.md", "# Handbook\n")
	s := b.syncer(t, "local")
	mustSync(t, s, b.entity.Ref(), true)
	meta, err := b.pub.Metadata(t.Context(), b.entity.Ref())
	if err != nil || meta.SiteName != "Handbook" {
		t.Fatalf("metadata = %+v, %v; want the handbook site", meta, err)
	}
}

func TestSyncExternalNeverBuilds(t *testing.T) {
	b := setup(t, "dir:.")
	s := b.syncer(t, docsync.BuilderExternal)
	mustSync(t, s, b.entity.Ref(), false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if b.builds != 0 {
		t.Errorf("Publish calls = %d, want 0", b.builds)
	}
	if ok, _ := b.pub.HasDocs(t.Context(), b.entity.Ref()); ok {
		t.Error("external builder published docs")
	}
}

func TestSyncBuildErrorIsKept(t *testing.T) {
	b := setup(t, "dir:.")
	b.write(t, "mkdocs.yml", "site_name: Broken\ndocs_dir: ../outside\n")
	s := b.syncer(t, "")
	if _, err := s.Sync(t.Context(), b.entity.Ref()); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("Sync error = %v, want Invalid", err)
	}
	st := s.Status(b.entity.Ref())
	if st.LastError == "" || st.LastErrorAt.IsZero() {
		t.Errorf("Status = %+v, want the build error kept", st)
	}
	// Fixing the source clears the error.
	b.write(t, "mkdocs.yml", "site_name: Fixed\n")
	mustSync(t, s, b.entity.Ref(), true)
	if st := s.Status(b.entity.Ref()); st.LastError != "" {
		t.Errorf("LastError = %q after a good build, want none", st.LastError)
	}
}

func TestRunSyncsInBackground(t *testing.T) {
	b := setup(t, "dir:.")
	s := b.syncer(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for range 200 {
		if ok, _ := b.pub.HasDocs(t.Context(), b.entity.Ref()); ok {
			break
		}
		select {
		case <-t.Context().Done():
		case <-done:
			t.Fatal("Run returned early")
		default:
		}
		sleep()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.pub.HasDocs(t.Context(), b.entity.Ref()); !ok {
		t.Fatal("Run did not publish the docs")
	}
}

func TestResolveSource(t *testing.T) {
	ent := func(loc, ref string) *callboard.Entity {
		return &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "x", Annotations: map[string]string{
			callboard.AnnotationManagedByLocation: loc, callboard.AnnotationTechDocsRef: ref,
		}}}
	}
	for _, tc := range []struct {
		name, loc, ref string
		want           docsync.Source
		wantKind       callboard.Kind
	}{
		{name: "dot", loc: "file:/repo/svc/catalog-info.yaml", ref: "dir:.", want: docsync.Source{Type: "file", Dir: "/repo/svc"}},
		{name: "sub", loc: "file:/repo/svc/catalog-info.yaml", ref: "dir:./docs-site", want: docsync.Source{Type: "file", Dir: "/repo/svc/docs-site"}},
		{name: "embedded", loc: "embedded:/components/a/catalog-info.yaml", ref: "dir:.", want: docsync.Source{Type: "embedded", Dir: "/components/a"}},
		{name: "traversal", loc: "file:/repo/svc/catalog-info.yaml", ref: "dir:../../", wantKind: callboard.Invalid},
		{name: "inner traversal", loc: "file:/repo/svc/catalog-info.yaml", ref: "dir:./a/../../b", wantKind: callboard.Invalid},
		{name: "absolute", loc: "file:/repo/svc/catalog-info.yaml", ref: "dir:/etc", wantKind: callboard.Invalid},
		{name: "url", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/tree/main/", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "main", Dir: "."}},
		{name: "url sub", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/tree/main/svc/docs", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "main", Dir: "svc/docs"}},
		{name: "url blob", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/blob/v1.2/svc", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "v1.2", Dir: "svc"}},
		{name: "url gitlab", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://gitlab.example.com/g/sub/r/-/tree/dev/a", want: docsync.Source{Type: "git", Repo: "https://gitlab.example.com/g/sub/r", Branch: "dev", Dir: "a"}},
		{name: "url gitlab tree group", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://gitlab.example.com/g/tree/r/-/blob/dev/a/b", want: docsync.Source{Type: "git", Repo: "https://gitlab.example.com/g/tree/r", Branch: "dev", Dir: "a/b"}},
		{name: "url bitbucket", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://bitbucket.org/ws/r/src/main/docs-site", want: docsync.Source{Type: "git", Repo: "https://bitbucket.org/ws/r", Branch: "main", Dir: "docs-site"}},
		{name: "url plain", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://git.example.com/o/r.git", want: docsync.Source{Type: "git", Repo: "https://git.example.com/o/r.git", Dir: "."}},
		{name: "url file", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:file:///srv/r.git", want: docsync.Source{Type: "git", Repo: "file:///srv/r.git", Dir: "."}},
		{name: "url file tree", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:file:///srv/r.git/tree/main/sub", want: docsync.Source{Type: "git", Repo: "file:///srv/r.git", Branch: "main", Dir: "sub"}},
		{name: "url traversal", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/tree/main/../../etc", wantKind: callboard.Invalid},
		{name: "url escaped traversal", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/tree/main/%2e%2e/%2e%2e/etc", wantKind: callboard.Invalid},
		{name: "url no repo", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o", wantKind: callboard.Invalid},
		{name: "url credentials", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://u:pw@github.com/o/r", wantKind: callboard.Invalid},
		{name: "url ssh", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:ssh://git@github.com/o/r", wantKind: callboard.Invalid},
		{name: "url bad branch", loc: "file:/repo/svc/catalog-info.yaml", ref: "url:https://github.com/o/r/tree/--upload-pack=x/a", wantKind: callboard.Invalid},
		{name: "url location", loc: "url:https://github.com/o/r/blob/main/catalog-info.yaml", ref: "dir:.", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "main", Dir: "."}},
		{name: "url location sub", loc: "url:https://github.com/o/r/blob/main/svc/catalog-info.yaml", ref: "dir:./site", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "main", Dir: "svc/site"}},
		{name: "url location traversal", loc: "url:https://github.com/o/r/blob/main/svc/catalog-info.yaml", ref: "dir:../..", wantKind: callboard.Invalid},
		{name: "missing", loc: "file:/repo/svc/catalog-info.yaml", ref: "", wantKind: callboard.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := docsync.ResolveSource(ent(tc.loc, tc.ref))
			if tc.wantKind != "" {
				if callboard.ErrorKind(err) != tc.wantKind {
					t.Fatalf("ResolveSource error = %v, want kind %s", err, tc.wantKind)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ResolveSource = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestSyncRefusesTraversal(t *testing.T) {
	b := setup(t, "dir:../../")
	s := b.syncer(t, "")
	if _, err := s.Sync(t.Context(), b.entity.Ref()); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("Sync error = %v, want Invalid", err)
	}
	if b.builds != 0 {
		t.Errorf("Publish calls = %d, want 0", b.builds)
	}
}

func TestHashTree(t *testing.T) {
	base := fstest.MapFS{
		"mkdocs.yml":       {Data: []byte("site_name: x\ndocs_dir: pages # the docs\n")},
		"pages/index.md":   {Data: []byte("# x")},
		"other/ignored.md": {Data: []byte("not docs")},
	}
	h1, err := docsync.HashTree(base)
	if err != nil {
		t.Fatal(err)
	}
	base["other/ignored.md"] = &fstest.MapFile{Data: []byte("changed")}
	if h2, _ := docsync.HashTree(base); h2 != h1 {
		t.Error("a file outside docs_dir changed the hash")
	}
	base["pages/index.md"] = &fstest.MapFile{Data: []byte("# y")}
	if h3, _ := docsync.HashTree(base); h3 == h1 {
		t.Error("a changed page kept the hash")
	}
	if _, err := docsync.HashTree(fstest.MapFS{}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("HashTree without mkdocs.yml: %v, want Invalid", err)
	}
}

func sleep() { time.Sleep(10 * time.Millisecond) }

// TestResolveSourceLocationClaims: a source-location the descriptor sets
// itself is honoured only inside the folder of the location the catalog
// read it from, and only of the same type.
func TestResolveSourceLocationClaims(t *testing.T) {
	for _, tc := range []struct {
		name, managed, source string
		want                  docsync.Source
		wantKind              callboard.Kind
	}{
		{name: "url location claims a file dir", managed: "url:https://github.com/o/r/blob/main/catalog-info.yaml", source: "file:/tmp/x/", wantKind: callboard.Forbidden},
		{name: "url location claims embedded", managed: "url:https://github.com/o/r/blob/main/catalog-info.yaml", source: "embedded:/components/a/", wantKind: callboard.Forbidden},
		{name: "file location claims another dir", managed: "file:/repo/svc/catalog-info.yaml", source: "file:/etc/", wantKind: callboard.Forbidden},
		{name: "file location climbs out", managed: "file:/repo/svc/catalog-info.yaml", source: "file:/repo/svc/../../etc/", wantKind: callboard.Forbidden},
		{name: "file location sibling prefix", managed: "file:/repo/svc/catalog-info.yaml", source: "file:/repo/svc-other/", wantKind: callboard.Forbidden},
		{name: "embedded claims file", managed: "embedded:/components/a/catalog-info.yaml", source: "file:/components/a/", wantKind: callboard.Forbidden},
		{name: "file location own dir", managed: "file:/repo/svc/catalog-info.yaml", source: "file:/repo/svc/", want: docsync.Source{Type: "file", Dir: "/repo/svc"}},
		{name: "file location subdir", managed: "file:/repo/svc/catalog-info.yaml", source: "file:/repo/svc/sub/", want: docsync.Source{Type: "file", Dir: "/repo/svc/sub"}},
		{name: "embedded own dir", managed: "embedded:/components/a/catalog-info.yaml", source: "embedded:/components/a/", want: docsync.Source{Type: "embedded", Dir: "/components/a"}},
		{name: "url source", managed: "url:https://github.com/o/r/blob/main/catalog-info.yaml", source: "url:https://github.com/o/r/blob/main/svc/catalog-info.yaml", want: docsync.Source{Type: "git", Repo: "https://github.com/o/r", Branch: "main", Dir: "svc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "x", Annotations: map[string]string{
				callboard.AnnotationManagedByLocation: tc.managed, callboard.AnnotationSourceLocation: tc.source, callboard.AnnotationTechDocsRef: "dir:.",
			}}}
			got, err := docsync.ResolveSource(e)
			if tc.wantKind != "" {
				if callboard.ErrorKind(err) != tc.wantKind {
					t.Fatalf("ResolveSource = %+v, %v; want kind %s", got, err, tc.wantKind)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ResolveSource = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
