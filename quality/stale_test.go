package quality

import (
	"context"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

// TestStaleUsesSourceReads: an entity unchanged for 40 days whose file
// the catalog read today is fresh; one whose file was last read 40 days
// ago is stale. The reads go through the database, so a new process (a
// restart, another replica) agrees.
func TestStaleUsesSourceReads(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			old := now.AddDate(0, 0, -40)
			withLoc := func(name, loc string) *callboard.Entity {
				e := ent("Component", "default", name, nil)
				e.Metadata.Annotations = map[string]string{callboard.AnnotationManagedByLocation: loc}
				return e
			}
			entities := []Stored{
				{Entity: withLoc("read-today", "url:https://git.example.com/a/catalog-info.yaml"), Refreshed: old},
				{Entity: withLoc("not-read", "url:https://git.example.com/b/catalog-info.yaml"), Refreshed: old},
			}
			src := Sources{Entities: func(context.Context) ([]Stored, error) { return append([]Stored(nil), entities...), nil }, Reads: db,
				Now: func() time.Time { return now }}
			q := New(src)
			q.maxAge = 30 * 24 * time.Hour
			q.ObserveFile("url:https://git.example.com/a/catalog-info.yaml")
			if err := q.flushReads(t.Context()); err != nil {
				t.Fatal(err)
			}
			again := New(src) // a restarted process: nothing in memory
			again.maxAge = q.maxAge
			r, err := again.analyze(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if r.Counts[Stale] != 1 || r.Issues[Stale][0].Entity != "component:default/not-read" {
				t.Errorf("stale = %+v, want not-read only", r.Issues[Stale])
			}
		})
	}
}
