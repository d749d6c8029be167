package replica_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/replica"
	"callboard/store"
	"callboard/store/storetest"
)

var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "System", "Group", "Location"}}}

// node is one replica: its own database handle, catalog and follower.
type node struct {
	db  *store.DB
	cat *catalog.Service
	f   *replica.Follower
}

func newNode(t *testing.T, driver, dsn, origin string) *node {
	t.Helper()
	db, err := store.Open(t.Context(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetOrigin(origin)
	cat := catalog.New(db, catalog.Options{Rules: allKinds})
	f := replica.New(replica.Options{Log: db, Origin: origin, Entities: cat.ApplyChanges, Reload: cat.Reload})
	if err := f.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	return &node{db: db, cat: cat, f: f}
}

// refs returns the refs the node's index answers, sorted.
func (n *node) refs(t *testing.T) []string {
	t.Helper()
	es, _, err := n.cat.Query(t.Context(), index.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Ref().String())
	}
	slices.Sort(out)
	return out
}

func relations(t *testing.T, n *node, ref string) []string {
	t.Helper()
	e, err := n.cat.Entity(t.Context(), callboard.MustParseRef(ref))
	if err != nil {
		t.Fatalf("Entity(%s): %v", ref, err)
	}
	var out []string
	for _, r := range e.Relations {
		out = append(out, r.Type+" "+r.TargetRef)
	}
	return out
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const serviceA = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: svc-a}
spec: {type: service, lifecycle: production, owner: group:default/team, dependsOn: [component:default/svc-b]}
`

const serviceB = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: svc-b}
spec: {type: service, lifecycle: production, owner: group:default/team}
`

// TestFollowerAgrees registers a location on one replica and unregisters it
// on another; after catching up, every replica serves the same entities
// and relations, and a replica whose sequence was pruned reloads.
func TestFollowerAgrees(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			driver, dsn := b.DSN(t)
			a := newNode(t, driver, dsn, "a")
			bn := newNode(t, driver, dsn, "b")
			c := newNode(t, driver, dsn, "c")
			ctx := t.Context()
			catchUp := func() {
				t.Helper()
				for _, n := range []*node{a, bn, c} {
					if err := n.f.CatchUp(ctx); err != nil {
						t.Fatal(err)
					}
					if n.f.Lag() != 0 {
						t.Errorf("Lag() = %s after a catch-up", n.f.Lag())
					}
				}
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "a.yaml"), serviceA)
			writeFile(t, filepath.Join(dir, "b.yaml"), serviceB)
			locA, _, _, err := a.cat.AddLocation(ctx, "file", filepath.Join(dir, "a.yaml"), false)
			if err != nil {
				t.Fatal(err)
			}
			catchUp()
			want := a.refs(t)
			if !slices.Contains(want, "component:default/svc-a") {
				t.Fatalf("a serves %v, without svc-a", want)
			}
			for name, n := range map[string]*node{"b": bn, "c": c} {
				if got := n.refs(t); !slices.Equal(got, want) {
					t.Errorf("%s serves %v, a serves %v", name, got, want)
				}
			}
			// A relation whose target arrives through another replica.
			if _, _, _, err := bn.cat.AddLocation(ctx, "file", filepath.Join(dir, "b.yaml"), false); err != nil {
				t.Fatal(err)
			}
			catchUp()
			wantRel := relations(t, bn, "component:default/svc-b")
			if !slices.Contains(wantRel, "dependencyOf component:default/svc-a") {
				t.Errorf("b: svc-b relations %v, without dependencyOf svc-a", wantRel)
			}
			for name, n := range map[string]*node{"a": a, "c": c} {
				if got := relations(t, n, "component:default/svc-b"); !slices.Equal(got, wantRel) {
					t.Errorf("%s: svc-b relations %v, want %v", name, got, wantRel)
				}
			}
			// Unregister on c: gone everywhere.
			if err := c.cat.DeleteLocation(ctx, locA.ID); err != nil {
				t.Fatal(err)
			}
			catchUp()
			for name, n := range map[string]*node{"a": a, "b": bn, "c": c} {
				if got := n.refs(t); slices.Contains(got, "component:default/svc-a") {
					t.Errorf("%s still serves svc-a after c unregistered it: %v", name, got)
				}
				if _, err := n.cat.Entity(ctx, callboard.MustParseRef("component:default/svc-a")); callboard.ErrorKind(err) != callboard.NotFound {
					t.Errorf("%s: Entity(svc-a) = %v, want NotFound", name, err)
				}
			}
			if a.f.Applied() == 0 || a.f.Applied() != c.f.Applied() {
				t.Errorf("applied: a %d, c %d", a.f.Applied(), c.f.Applied())
			}

			// c is away while b writes, and the log is pruned past it.
			if err := bn.cat.DeleteLocation(ctx, mustLocation(t, bn, filepath.Join(dir, "b.yaml"))); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := bn.cat.AddLocation(ctx, "file", filepath.Join(dir, "a.yaml"), false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // past the last row's millisecond
			if _, err := bn.db.PruneChanges(ctx, 0); err != nil {
				t.Fatal(err)
			}
			catchUp()
			if c.f.Reloads() != 1 || a.f.Reloads() != 1 {
				t.Errorf("reloads: a %d, c %d; want 1 each", a.f.Reloads(), c.f.Reloads())
			}
			want = bn.refs(t)
			for name, n := range map[string]*node{"a": a, "c": c} {
				if got := n.refs(t); !slices.Equal(got, want) {
					t.Errorf("after reload %s serves %v, b serves %v", name, got, want)
				}
			}
		})
	}
}

func mustLocation(t *testing.T, n *node, target string) string {
	t.Helper()
	locs, err := n.cat.Locations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locs {
		if l.Target == target {
			return l.ID
		}
	}
	t.Fatalf("no location %s", target)
	return ""
}

// TestFollowerWakesOnNotify runs a follower and checks that a write on
// another handle reaches it (by notification on PostgreSQL, by polling on
// SQLite).
func TestFollowerWakesOnNotify(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			driver, dsn := b.DSN(t)
			a := newNode(t, driver, dsn, "a")
			bn := newNode(t, driver, dsn, "b")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			follower := replica.New(replica.Options{Log: bn.db, Origin: "b", Listen: bn.db.ListenChanges,
				Entities: bn.cat.ApplyChanges, Reload: bn.cat.Reload})
			if err := follower.Start(ctx); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- follower.Run(ctx) }()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "b.yaml"), serviceB)
			if _, _, _, err := a.cat.AddLocation(ctx, "file", filepath.Join(dir, "b.yaml"), false); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !slices.Contains(bn.refs(t), "component:default/svc-b") {
				if time.Now().After(deadline) {
					t.Fatal("b does not serve what a registered 10 s later")
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
		})
	}
}
