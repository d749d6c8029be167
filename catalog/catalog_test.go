package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/internal/compattest"
	"callboard/store"
	"callboard/store/storetest"
)

var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

type testCatalog struct {
	*catalog.Service
	db *store.DB
}

func newTestCatalog(t *testing.T, opts catalog.Options) *testCatalog {
	t.Helper()
	return newTestCatalogOn(t, storetest.Open(t), opts)
}

func newTestCatalogOn(t *testing.T, db *store.DB, opts catalog.Options) *testCatalog {
	t.Helper()
	if opts.Rules == nil {
		opts.Rules = allKinds
	}
	c := catalog.New(db, opts)
	if err := c.Load(t.Context()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return &testCatalog{Service: c, db: db}
}

func mustProcess(t *testing.T, c *testCatalog) {
	t.Helper()
	if err := c.ProcessAll(t.Context(), false); err != nil {
		t.Fatalf("ProcessAll: %v", err)
	}
}

func mustEntity(t *testing.T, c *testCatalog, ref string) *callboard.Entity {
	t.Helper()
	e, err := c.Entity(t.Context(), callboard.MustParseRef(ref))
	if err != nil {
		t.Fatalf("Entity(%s): %v", ref, err)
	}
	return e
}

func relationsOf(e *callboard.Entity) []string {
	var out []string
	for _, r := range e.Relations {
		out = append(out, r.Type+" "+r.TargetRef)
	}
	return out
}

func statusMessages(e *callboard.Entity) string {
	if e.Status == nil {
		return ""
	}
	var msgs []string
	for _, it := range e.Status.Items {
		msgs = append(msgs, it.Error.Name+": "+it.Message)
	}
	return strings.Join(msgs, "\n")
}

// writeFile writes a file and moves its modification time forward, so
// that the watcher sees a change even within one clock tick.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var mtime time.Time
	if fi, err := os.Stat(path); err == nil {
		mtime = fi.ModTime().Add(time.Second)
	} else {
		mtime = time.Now()
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestCompatExamples loads Backstage's examples on every store backend and
// checks the relations Backstage would produce.
func TestCompatExamples(t *testing.T) {
	dir := compattest.Dir(t, "backstage-examples")
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testCompatExamples(t, b.Open(t), dir) })
	}
}

func testCompatExamples(t *testing.T, db *store.DB, dir string) {
	c := newTestCatalogOn(t, db, catalog.Options{Locations: []catalog.StaticLocation{
		{Type: "file", Target: filepath.Join(dir, "all.yaml")},
		{Type: "file", Target: filepath.Join(dir, "acme-corp.yaml")},
	}})
	mustProcess(t, c)

	// No Location reports a problem: every file was read and accepted.
	locs, _, err := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "kind=location")})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locs {
		if msg := statusMessages(l); msg != "" {
			t.Errorf("%s has errors:\n%s", l.Ref(), msg)
		}
	}
	if c.Len() < 50 {
		t.Errorf("Len() = %d, want every example entity (50+)", c.Len())
	}

	tests := []struct {
		ref  string
		want []string
	}{
		// www-artist lists component:artist-lookup in consumesApis; Backstage
		// relates whatever kind the ref names.
		{"component:default/artist-lookup", []string{
			"apiConsumedBy component:default/www-artist",
			"dependsOn resource:default/artists-db",
			"ownedBy group:default/team-a",
			"partOf system:default/artist-engagement-portal",
		}},
		{"resource:default/artists-db", []string{
			"dependencyOf component:default/artist-lookup",
			"ownedBy group:default/team-a",
			"partOf system:default/artist-engagement-portal",
		}},
		{"user:default/breanna.davison", []string{"memberOf group:default/team-a"}},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			got := relationsOf(mustEntity(t, c, tc.ref))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("relations (-want +got):\n%s", diff)
			}
		})
	}
	team := relationsOf(mustEntity(t, c, "group:default/team-a"))
	for _, want := range []string{"ownerOf component:default/artist-lookup", "hasMember user:default/breanna.davison", "childOf group:default/backstage"} {
		if !slices.Contains(team, want) {
			t.Errorf("group team-a relations lack %q: %v", want, team)
		}
	}
	e := mustEntity(t, c, "component:default/artist-lookup")
	if got, want := e.Annotation(callboard.AnnotationManagedByLocation), "file:"+filepath.Join(dir, "components/artist-lookup-component.yaml"); got != want {
		t.Errorf("managed-by-location = %q, want %q", got, want)
	}
	if got := e.Annotation(callboard.AnnotationManagedByOriginLocation); got != "file:"+filepath.Join(dir, "all.yaml") {
		t.Errorf("managed-by-origin-location = %q", got)
	}
	if e.Metadata.UID == "" || e.Metadata.Etag == "" {
		t.Errorf("uid %q etag %q: both must be set", e.Metadata.UID, e.Metadata.Etag)
	}
}

func mustFilter(t *testing.T, params ...string) index.Filter {
	t.Helper()
	f, err := index.ParseFilters(params)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var rootLocation = rootLocationOf("./a.yaml", "./b.yaml")

// rootLocationOf is the YAML of a Location named root with targets.
func rootLocationOf(targets ...string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets: [" +
		strings.Join(targets, ", ") + "]\n"
}

func component(name, owner, typ string) string {
	return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ` + name + `
spec:
  type: ` + typ + `
  lifecycle: production
  owner: ` + owner + `
`
}

func newTreeCatalog(t *testing.T, strategy string) (*testCatalog, string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocation)
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service")+"---\n"+component("svc-b", "team-a", "service"))
	writeFile(t, filepath.Join(dir, "b.yaml"), "")
	c := newTestCatalog(t, catalog.Options{OrphanStrategy: strategy,
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)
	return c, dir
}

func TestFileChangeUpdatesEntityAndRelations(t *testing.T) {
	c, dir := newTreeCatalog(t, "")
	before := mustEntity(t, c, "component:svc-a")
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-b", "website")+"---\n"+component("svc-b", "team-a", "service"))
	mustProcess(t, c)
	after := mustEntity(t, c, "component:svc-a")
	if after.SpecString("type") != "website" || after.SpecString("owner") != "team-b" {
		t.Errorf("spec = %v, want the new type and owner", after.Spec)
	}
	if after.Metadata.UID != before.Metadata.UID {
		t.Errorf("uid changed from %s to %s; it must be stable", before.Metadata.UID, after.Metadata.UID)
	}
	if after.Metadata.Etag == before.Metadata.Etag {
		t.Errorf("etag did not change")
	}
	if got := relationsOf(after); !slices.Contains(got, "ownedBy group:default/team-b") {
		t.Errorf("relations = %v, want ownedBy team-b", got)
	}
	// The reverse edge moved too, and the index knows it.
	_, total, err := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "relations.ownedby=group:default/team-b")})
	if err != nil || total != 1 {
		t.Errorf("owner filter for team-b: total %d, err %v; want 1", total, err)
	}
	_, total, _ = c.Query(t.Context(), index.Query{Filter: mustFilter(t, "spec.type=service,kind=component")})
	if total != 1 {
		t.Errorf("spec.type=service matches %d, want 1 (svc-b)", total)
	}
}

func TestUnchangedFileIsSkipped(t *testing.T) {
	c, _ := newTreeCatalog(t, "")
	before := mustEntity(t, c, "component:svc-a")
	if err := c.ProcessAll(t.Context(), true); err != nil { // forced: read again, same hash
		t.Fatal(err)
	}
	if after := mustEntity(t, c, "component:svc-a"); after.Metadata.Etag != before.Metadata.Etag {
		t.Errorf("etag changed on unchanged input: the hash check did not skip the write")
	}
}

func TestRemovedEntity(t *testing.T) {
	for _, tc := range []struct {
		strategy   string
		wantOrphan bool
	}{{"delete", false}, {"keep", true}} {
		t.Run(tc.strategy, func(t *testing.T) {
			c, dir := newTreeCatalog(t, tc.strategy)
			writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
			mustProcess(t, c)
			e, err := c.Entity(t.Context(), callboard.MustParseRef("component:svc-b"))
			if !tc.wantOrphan {
				if callboard.ErrorKind(err) != callboard.NotFound {
					t.Fatalf("svc-b after removal: err %v, want NotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Annotation(callboard.AnnotationOrphan) != "true" {
				t.Errorf("svc-b annotations = %v, want orphan", e.Metadata.Annotations)
			}
			_, total, _ := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "metadata.annotations.backstage.io/orphan=true")})
			if total != 1 {
				t.Errorf("orphan filter matches %d, want 1", total)
			}
		})
	}
}

func TestBrokenFileKeepsLastGoodEntities(t *testing.T) {
	c, dir := newTreeCatalog(t, "")
	writeFile(t, filepath.Join(dir, "a.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-a\n")
	mustProcess(t, c)
	for _, ref := range []string{"component:svc-a", "component:svc-b"} {
		mustEntity(t, c, ref)
	}
	loc := mustEntity(t, c, "location:root")
	if msg := statusMessages(loc); !strings.Contains(msg, "a.yaml") {
		t.Errorf("location status = %q, want an error naming a.yaml", msg)
	}
	// Fixing the file clears the error.
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service")+"---\n"+component("svc-b", "team-a", "service"))
	mustProcess(t, c)
	if msg := statusMessages(mustEntity(t, c, "location:root")); msg != "" {
		t.Errorf("location status after fix = %q, want none", msg)
	}
}

func TestInvalidEntityDoesNotBlockOthers(t *testing.T) {
	c, dir := newTreeCatalog(t, "")
	writeFile(t, filepath.Join(dir, "b.yaml"), component("new-svc", "team-a", "service")+"---\n"+component("bad name!", "team-a", "service"))
	mustProcess(t, c)
	mustEntity(t, c, "component:new-svc")
	if msg := statusMessages(mustEntity(t, c, "location:root")); !strings.Contains(msg, "metadata.name") {
		t.Errorf("location status = %q, want the name problem", msg)
	}
}

func TestConflictFirstClaimantWins(t *testing.T) {
	c, dir := newTreeCatalog(t, "")
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "catalog-info.yaml"), component("svc-a", "team-z", "library"))
	loc, _, _, err := c.AddLocation(t.Context(), "file", filepath.Join(other, "catalog-info.yaml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustEntity(t, c, "component:svc-a").SpecString("owner"); got != "team-a" {
		t.Errorf("owner = %q: the newcomer replaced the first claimant", got)
	}
	root := mustEntity(t, c, "location:generated-"+sha1Hex("file:"+loc.Target))
	if msg := statusMessages(root); !strings.Contains(msg, "ConflictError") || !strings.Contains(msg, filepath.Join(dir, "a.yaml")) {
		t.Errorf("newcomer location status = %q, want a ConflictError naming the first file", msg)
	}
}

func TestRegisterAndUnregisterLocation(t *testing.T) {
	c := newTestCatalog(t, catalog.Options{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocation)
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	writeFile(t, filepath.Join(dir, "b.yaml"), component("svc-b", "team-a", "service"))
	target := filepath.Join(dir, "catalog-info.yaml")

	_, dry, _, err := c.AddLocation(t.Context(), "file", target, true)
	if err != nil || len(dry) != 4 {
		t.Fatalf("dry run: %d entities, err %v; want root, location:root, svc-a, svc-b", len(dry), err)
	}
	if c.Len() != 0 {
		t.Fatalf("dry run stored %d entities", c.Len())
	}
	loc, ents, _, err := c.AddLocation(t.Context(), "file", target, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 4 || c.Len() != 4 {
		t.Errorf("AddLocation returned %d entities, catalog has %d; want 4 and 4", len(ents), c.Len())
	}
	if _, _, _, err := c.AddLocation(t.Context(), "file", target, false); callboard.ErrorKind(err) != callboard.Conflict {
		t.Errorf("second AddLocation: err %v, want Conflict", err)
	}
	got, err := c.LocationByEntity(t.Context(), callboard.MustParseRef("component:svc-a"))
	if err != nil || got.ID != loc.ID {
		t.Errorf("LocationByEntity = %+v, %v; want %s", got, err, loc.ID)
	}
	// Pointing the location at another file keeps its id and swaps the entities.
	other := filepath.Join(dir, "other.yaml")
	writeFile(t, other, component("svc-other", "team-a", "service"))
	if _, err := c.UpdateLocation(t.Context(), loc.ID, "file", other); err != nil {
		t.Fatal(err)
	}
	mustEntity(t, c, "component:svc-other")
	if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:svc-a")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("svc-a after UpdateLocation: %v, want NotFound", err)
	}
	if err := c.DeleteLocation(t.Context(), loc.ID); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 0 {
		t.Errorf("after DeleteLocation the catalog has %d entities, want 0", c.Len())
	}
}

func TestRulesRejectKinds(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), component("svc-a", "team-a", "service")+
		"---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n")
	c := newTestCatalog(t, catalog.Options{Rules: []catalog.Rule{{Allow: []string{"Component", "Location"}}},
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)
	mustEntity(t, c, "component:svc-a")
	if _, err := c.Entity(t.Context(), callboard.MustParseRef("group:team-a")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("group was stored despite the rules: %v", err)
	}
}

func TestPlaceholderFailureKeepsEntity(t *testing.T) {
	dir := t.TempDir()
	api := `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pay-api}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
`
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), api)
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)
	e := mustEntity(t, c, "api:pay-api")
	if msg := statusMessages(e); !strings.Contains(msg, "definition") {
		t.Errorf("status = %q, want the unreadable definition named", msg)
	}
	writeFile(t, filepath.Join(dir, "openapi.yaml"), "openapi: 3.0.0\n")
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	e = mustEntity(t, c, "api:pay-api")
	if e.SpecString("definition") != "openapi: 3.0.0\n" || statusMessages(e) != "" {
		t.Errorf("definition %q, status %q: want the file's text and no error", e.SpecString("definition"), statusMessages(e))
	}
}

func TestReloadFromStore(t *testing.T) {
	c, _ := newTreeCatalog(t, "")
	again := catalog.New(c.db, catalog.Options{Rules: allKinds})
	if err := again.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again.Len() != c.Len() {
		t.Errorf("reloaded Len = %d, want %d", again.Len(), c.Len())
	}
	e, err := again.Entity(t.Context(), callboard.MustParseRef("group:team-a"))
	if callboard.ErrorKind(err) != callboard.NotFound {
		t.Fatalf("group:team-a exists? %v %v", e, err)
	}
	_, total, _ := again.Query(t.Context(), index.Query{Filter: mustFilter(t, "relations.ownedby=group:default/team-a")})
	if total != 2 {
		t.Errorf("owner filter after reload matches %d, want 2", total)
	}
}

// TestUpdateLocationKeepsEntityItStillEmits re-points a location at a file
// that emits the same entity: it is there at once, with the new content,
// not gone until the next processing run.
func TestUpdateLocationKeepsEntityItStillEmits(t *testing.T) {
	c := newTestCatalog(t, catalog.Options{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	writeFile(t, filepath.Join(dir, "b.yaml"), component("svc-a", "team-b", "service"))
	loc, _, _, err := c.AddLocation(t.Context(), "file", filepath.Join(dir, "a.yaml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateLocation(t.Context(), loc.ID, "file", filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	if got := mustEntity(t, c, "component:svc-a").SpecString("owner"); got != "team-b" {
		t.Errorf("owner after UpdateLocation = %q, want team-b", got)
	}
	got, err := c.LocationByEntity(t.Context(), callboard.MustParseRef("component:svc-a"))
	if err != nil || got.ID != loc.ID {
		t.Errorf("LocationByEntity = %+v, %v; want %s", got, err, loc.ID)
	}
}

// A glob is read as it is expanded (expandInRoot streams its matches);
// a pattern with "**" twice finds a file twice, and it is read once.
func TestGlobReadsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, "repos", name, "catalog-info.yaml"),
			"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: "+name+"}\nspec: {type: service, lifecycle: production, owner: team-a}\n")
	}
	var reads atomic.Int32
	c := newTestCatalog(t, catalog.Options{
		Locations:   []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "**", "**", "catalog-info.yaml")}},
		ObserveRead: func(string, time.Duration, bool) { reads.Add(1) },
	})
	mustProcess(t, c)
	if n := reads.Load(); n != 2 {
		t.Errorf("%d file reads, want 2", n)
	}
	for _, ref := range []string{"component:default/a", "component:default/b"} {
		if msg := statusMessages(mustEntity(t, c, ref)); msg != "" {
			t.Errorf("%s: %s", ref, msg)
		}
	}
}
