package catalog_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/urlread"
)

const secret = "POSTGRES_PASSWORD=hunter2\n"

// apiWithText is an API whose definition is the $text of target.
func apiWithText(name, target string) string {
	return `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: ` + name + `}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ` + target + "\n"
}

// newRootedCatalog lays out outer/secret.env next to outer/loc, the
// directory of a static file location holding descriptor, and processes
// it. It returns the catalog and outer.
func newRootedCatalog(t *testing.T, descriptor string) (*testCatalog, string) {
	t.Helper()
	outer := t.TempDir()
	writeFile(t, filepath.Join(outer, "secret.env"), secret)
	target := filepath.Join(outer, "loc", "catalog-info.yaml")
	writeFile(t, target, descriptor)
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	return c, outer
}

// mustRefusedPlaceholder checks that the API kept its place in the catalog
// with no definition and a refusal that does not name the server path
// outer (unless empty: the descriptor wrote it).
func mustRefusedPlaceholder(t *testing.T, c *testCatalog, outer, wantMsg string) {
	t.Helper()
	e := mustEntity(t, c, "api:pay-api")
	if def, ok := e.Spec["definition"]; ok {
		t.Errorf("definition = %q, want none", def)
	}
	msg := statusMessages(e)
	if !strings.Contains(msg, wantMsg) {
		t.Errorf("status = %q, want %q", msg, wantMsg)
	}
	if outer != "" && strings.Contains(msg, outer) {
		t.Errorf("status = %q names a server path (%s)", msg, outer)
	}
}

func TestAttackPlaceholderDotDot(t *testing.T) {
	c, outer := newRootedCatalog(t, apiWithText("pay-api", "../secret.env"))
	mustRefusedPlaceholder(t, c, outer, "$text ../secret.env: refused: outside the location's root ./")
}

func TestAttackPlaceholderEtcPasswd(t *testing.T) {
	c, outer := newRootedCatalog(t, apiWithText("pay-api", "../../../../../../../../../../etc/passwd"))
	mustRefusedPlaceholder(t, c, outer, "refused: outside the location's root ./")
}

func TestAttackPlaceholderAbsolutePath(t *testing.T) {
	outer := t.TempDir()
	writeFile(t, filepath.Join(outer, "secret.env"), secret)
	target := filepath.Join(outer, "loc", "catalog-info.yaml")
	writeFile(t, target, apiWithText("pay-api", filepath.Join(outer, "secret.env")))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	mustRefusedPlaceholder(t, c, "", "$text "+filepath.Join(outer, "secret.env")+": refused: an absolute path")
}

func TestAttackPlaceholderProcSelfEnviron(t *testing.T) {
	c, outer := newRootedCatalog(t, apiWithText("pay-api", "/proc/self/environ"))
	mustRefusedPlaceholder(t, c, outer, "$text /proc/self/environ: refused")
}

func TestAttackPlaceholderSymlinkEscape(t *testing.T) {
	outer := t.TempDir()
	writeFile(t, filepath.Join(outer, "secret.env"), secret)
	target := filepath.Join(outer, "loc", "catalog-info.yaml")
	writeFile(t, target, apiWithText("pay-api", "./docs/openapi.yaml"))
	mustSymlink(t, filepath.Join(outer, "secret.env"), filepath.Join(outer, "loc", "docs", "openapi.yaml"))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	mustRefusedPlaceholder(t, c, outer, "refused: docs/openapi.yaml leads outside the location's root ./ through a symlink")
}

// TestAttackPlaceholderSymlinkedDirEscape reaches outside through a
// symlinked directory in the middle of the path.
func TestAttackPlaceholderSymlinkedDirEscape(t *testing.T) {
	outer := t.TempDir()
	writeFile(t, filepath.Join(outer, "secret.env"), secret)
	target := filepath.Join(outer, "loc", "catalog-info.yaml")
	writeFile(t, target, apiWithText("pay-api", "./up/secret.env"))
	mustSymlink(t, outer, filepath.Join(outer, "loc", "up"))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	mustRefusedPlaceholder(t, c, outer, "through a symlink")
}

// TestPlaceholderInsideRootStillReads: nested directories, "..", and a
// symlink that stays inside the root all still read, from a nested
// Location's file too.
func TestPlaceholderInsideRootStillReads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf("./teams/*/catalog-info.yaml"))
	writeFile(t, filepath.Join(dir, "teams", "pay", "catalog-info.yaml"), apiWithText("pay-api", "../../specs/pay.yaml"))
	writeFile(t, filepath.Join(dir, "specs", "pay.yaml"), "openapi: 3.0.0\n")
	writeFile(t, filepath.Join(dir, "teams", "ship", "catalog-info.yaml"), apiWithText("ship-api", "./spec.yaml"))
	mustSymlink(t, filepath.Join(dir, "specs", "pay.yaml"), filepath.Join(dir, "teams", "ship", "spec.yaml"))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)
	for _, ref := range []string{"api:pay-api", "api:ship-api"} {
		e := mustEntity(t, c, ref)
		if got := e.SpecString("definition"); got != "openapi: 3.0.0\n" || statusMessages(e) != "" {
			t.Errorf("%s: definition %q, status %q; want the spec and no error", ref, got, statusMessages(e))
		}
	}
}

// TestAttackReadInRootSystemFiles: even a location rooted at "/" does not
// read /proc, /sys or devices.
func TestAttackReadInRootSystemFiles(t *testing.T) {
	tests := []struct {
		name, target string
	}{
		{"proc environ", "/proc/self/environ"},
		{"proc through self link", "/proc/self/cwd/../environ"},
		{"sys", "/sys/kernel/hostname"},
		{"device", "/dev/zero"},
		{"dev null", "/dev/null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := catalog.ReadInRoot("/", "/", tc.target, 1<<20)
			if callboard.ErrorKind(err) != callboard.Forbidden && callboard.ErrorKind(err) != callboard.NotFound {
				t.Fatalf("ReadInRoot(%s) = %d bytes, err %v; want refused", tc.target, len(b), err)
			}
			if b != nil {
				t.Errorf("ReadInRoot(%s) returned %d bytes", tc.target, len(b))
			}
		})
	}
}

// TestAttackNestedFileLocationEscapesRoot: a descriptor under a static
// file location lists files outside that location's directory.
func TestAttackNestedFileLocationEscapesRoot(t *testing.T) {
	tests := []struct {
		name    string
		targets func(outer string) string
		setup   func(t *testing.T, outer string)
		wantMsg string
	}{
		{name: "dot dot glob", targets: func(string) string { return "[../outside/*.yaml]" }, wantMsg: "../outside/*.yaml: refused: outside the location's root ./"},
		{name: "dot dot file", targets: func(string) string { return "[../outside/app-config.yaml]" }, wantMsg: "refused: outside the location's root ./"},
		{name: "absolute glob", targets: func(o string) string { return "[" + filepath.Join(o, "outside", "**", "*.yaml") + "]" }, wantMsg: "refused: outside the location's root ./"},
		{name: "symlinked dir glob", targets: func(string) string { return "[./link/*.yaml]" },
			setup: func(t *testing.T, o string) {
				mustSymlink(t, filepath.Join(o, "outside"), filepath.Join(o, "loc", "link"))
			}},
		{name: "symlinked file", targets: func(string) string { return "[./leak.yaml]" },
			setup: func(t *testing.T, o string) {
				mustSymlink(t, filepath.Join(o, "outside", "app-config.yaml"), filepath.Join(o, "loc", "leak.yaml"))
			}, wantMsg: "leak.yaml: refused: leak.yaml leads outside the location's root ./ through a symlink"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outer := t.TempDir()
			writeFile(t, filepath.Join(outer, "outside", "app-config.yaml"), component("leaked", "team-a", "service"))
			target := filepath.Join(outer, "loc", "catalog-info.yaml")
			writeFile(t, target, "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: nested}\nspec:\n  type: file\n  targets: "+tc.targets(outer)+"\n---\n"+component("kept", "team-a", "service"))
			if tc.setup != nil {
				tc.setup(t, outer)
			}
			c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
			mustProcess(t, c)
			mustEntity(t, c, "component:kept")
			if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:leaked")); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("component:leaked from outside the root: err %v, want NotFound", err)
			}
			msg := statusMessages(mustEntity(t, c, "location:nested"))
			if tc.wantMsg != "" && !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("location:nested status = %q, want %q", msg, tc.wantMsg)
			}
			if strings.Contains(msg, outer) {
				t.Errorf("location:nested status = %q names a server path", msg)
			}
		})
	}
}

// pivotServer serves a descriptor holding a Component and a Location of
// type typ with target; it returns the URL of the descriptor.
func pivotServer(t *testing.T, typ, target string) (srvURL string, reader *catalog.Reader) {
	t.Helper()
	body := component("from-url", "team-a", "service") +
		"---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: pivot}\nspec:\n  type: " + typ + "\n  targets: ['" + target + "']\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return srv.URL + "/catalog-info.yaml", &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)},
		Embedded: fstest.MapFS{"catalog-info.yaml": {Data: []byte(component("embedded-leak", "team-a", "service"))}}}
}

// registerPivot registers u the way each kind of caller does.
func registerPivot(t *testing.T, c *testCatalog, how, u string) {
	t.Helper()
	switch how {
	case "api":
		if _, _, _, err := c.AddLocation(t.Context(), "url", u, false); err != nil {
			t.Fatal(err)
		}
	case "provider":
		if err := c.ApplyProvider(t.Context(), "discovery", callboard.ProviderMutation{Locations: []callboard.Location{{Type: "url", Target: u}}}); err != nil {
			t.Fatal(err)
		}
	}
	mustProcess(t, c) // the watcher's pass must not follow it either
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
}

// mustPivotRefused checks that the url location's own entities were read,
// the pivot target's were not, and the Location says why.
func mustPivotRefused(t *testing.T, c *testCatalog, leaked string) {
	t.Helper()
	mustEntity(t, c, "component:from-url")
	if _, err := c.Entity(t.Context(), callboard.MustParseRef(leaked)); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("%s read through a url location: err %v, want NotFound", leaked, err)
	}
	if msg := statusMessages(mustEntity(t, c, "location:pivot")); !strings.Contains(msg, "refused: a Location read from a url location may not target") {
		t.Errorf("location:pivot status = %q, want the refusal", msg)
	}
}

func TestAttackURLLocationPivotsToFile(t *testing.T) {
	for _, how := range []string{"api", "provider"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "workspace", "catalog-info.yaml"), component("leaked", "team-a", "service"))
			u, reader := pivotServer(t, "file", filepath.Join(dir, "**", "*.yaml"))
			c := newTestCatalog(t, catalog.Options{Reader: reader})
			registerPivot(t, c, how, u)
			mustPivotRefused(t, c, "component:leaked")
		})
	}
}

// TestAttackURLLocationPivotsToAppConfig: a file that is no descriptor
// (app-config) must not even be parsed: parse errors list its keys.
func TestAttackURLLocationPivotsToAppConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app-config.yaml"), "backend:\n  database:\n    password: hunter2\n")
	u, reader := pivotServer(t, "file", filepath.Join(dir, "app-config.yaml"))
	c := newTestCatalog(t, catalog.Options{Reader: reader})
	registerPivot(t, c, "api", u)
	locs, _, err := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "kind=location")})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locs {
		if msg := statusMessages(l); strings.Contains(msg, "backend") || strings.Contains(msg, "database") {
			t.Errorf("%s status = %q reveals the file's keys", l.Ref(), msg)
		}
	}
}

func TestAttackURLLocationPivotsToEmbedded(t *testing.T) {
	u, reader := pivotServer(t, "embedded", "/catalog-info.yaml")
	c := newTestCatalog(t, catalog.Options{Reader: reader})
	registerPivot(t, c, "api", u)
	mustPivotRefused(t, c, "component:embedded-leak")
}

// TestFileLocationMayTargetURL: the file root's children may still list
// url locations (read only from allowed hosts).
func TestFileLocationMayTargetURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(component("remote", "team-a", "service")))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: remote}\nspec:\n  type: url\n  target: "+srv.URL+"/c.yaml\n")
	c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)}},
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)
	mustEntity(t, c, "component:remote")
}

// TestAttackRefreshKeepsRefusal: refreshing a refused Location rebuilds
// its ancestry from the graph and refuses again.
func TestAttackRefreshKeepsRefusal(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.yaml"), component("leaked", "team-a", "service"))
	var typ atomic.Value
	typ.Store("service")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(component("from-url", "team-a", typ.Load().(string)) +
			"---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: pivot}\nspec:\n  type: file\n  target: " + filepath.Join(dir, "x.yaml") + "\n"))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)}}})
	registerPivot(t, c, "api", srv.URL+"/catalog-info.yaml")

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	<-c.Ready()
	if err := c.Refresh(ctx, "location:pivot"); err != nil {
		t.Fatal(err)
	}
	// Refreshes run in order: once the second shows, the first is done.
	typ.Store("website")
	if err := c.Refresh(ctx, "component:from-url"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refreshes to run", func() bool {
		return mustEntity(t, c, "component:from-url").SpecString("type") == "website"
	})
	if _, err := c.Entity(ctx, callboard.MustParseRef("component:leaked")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("component:leaked after refresh: err %v, want NotFound", err)
	}
	if msg := statusMessages(mustEntity(t, c, "location:pivot")); !strings.Contains(msg, "refused") {
		t.Errorf("location:pivot status = %q, want the refusal", msg)
	}
}

// TestAttackFailedFileReReadChurn: a file that fails to read, or to
// parse, is not read again until its size or modification time changes;
// meanwhile its problem stays on the Location.
func TestAttackFailedFileReReadChurn(t *testing.T) {
	tests := []struct {
		name    string
		broken  func(t *testing.T, dir, file string)
		wantMsg string
	}{
		{name: "read refused", broken: func(t *testing.T, dir, file string) {
			outside := filepath.Join(filepath.Dir(dir), "outside.yaml")
			writeFile(t, outside, strings.Repeat("#", 400))
			mustSymlink(t, outside, file)
		}, wantMsg: "a.yaml: refused"},
		{name: "parse problems", broken: func(t *testing.T, dir, file string) {
			writeFile(t, file, "kind: [\n"+strings.Repeat("#", 392))
		}, wantMsg: "a.yaml:"},
		{name: "invalid entity", broken: func(t *testing.T, dir, file string) {
			body := component("bad name!", "team-a", "service")
			writeFile(t, file, body+strings.Repeat("#", 400-len(body)))
		}, wantMsg: "metadata.name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "loc")
			root := filepath.Join(dir, "catalog-info.yaml")
			file := filepath.Join(dir, "a.yaml")
			writeFile(t, root, rootLocationOf("./a.yaml"))
			tc.broken(t, dir, file)
			c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: root}}})
			mustProcess(t, c)
			fi, err := os.Stat(file)
			if err != nil || fi.Size() != 400 {
				t.Fatalf("broken file: %v, size %d; want 400 bytes", err, fi.Size())
			}

			// Same size and time, new content: a watcher pass must not
			// read it again, and must keep reporting the problem.
			good := component("fixed", "team-a", "service")
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(good+strings.Repeat("#", 400-len(good))), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(file, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				mustProcess(t, c)
			}
			if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:fixed")); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("the unchanged file was read again on a watcher pass (err %v)", err)
			}
			msg := statusMessages(mustEntity(t, c, "location:root"))
			if !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("location status after watcher passes = %q, want %q", msg, tc.wantMsg)
			}
			if strings.Contains(msg, dir) {
				t.Errorf("location status = %q names a server path", msg)
			}

			// A change of time brings it back.
			later := fi.ModTime().Add(time.Second)
			if err := os.Chtimes(file, later, later); err != nil {
				t.Fatal(err)
			}
			mustProcess(t, c)
			mustEntity(t, c, "component:fixed")
			if msg := statusMessages(mustEntity(t, c, "location:root")); msg != "" {
				t.Errorf("location status after the fix = %q, want none", msg)
			}
		})
	}
}

// TestAttackFailedURLReReadChurn: a URL that fails is fetched again on
// full runs only, not on every watcher pass.
func TestAttackFailedURLReReadChurn(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)}}})
	if _, _, _, err := c.AddLocation(t.Context(), "url", srv.URL+"/catalog-info.yaml", false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		mustProcess(t, c)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the failing URL was fetched %d times, want once", n)
	}
	root := mustEntity(t, c, "location:generated-"+sha1Hex("url:"+srv.URL+"/catalog-info.yaml"))
	if msg := statusMessages(root); !strings.Contains(msg, "502") {
		t.Errorf("root status = %q, want the failure kept", msg)
	}
}

func mustSymlink(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(newname), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(oldname, newname); err != nil {
		t.Fatal(err)
	}
}

// TestAttackPlaceholderAbsolutePathInsideRoot: an absolute path is refused
// even where it names a file inside the root, so that what a descriptor
// reads never depends on where the server keeps its checkout.
func TestAttackPlaceholderAbsolutePathInsideRoot(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "openapi.yaml"), "openapi: 3.0.0\n")
	target := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, target, apiWithText("pay-api", filepath.Join(dir, "openapi.yaml")))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	mustRefusedPlaceholder(t, c, "", "$text "+filepath.Join(dir, "openapi.yaml")+": refused: an absolute path")
}
