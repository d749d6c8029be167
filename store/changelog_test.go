package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestChangeLog checks that each kind of write appends its rows in the
// write's transaction, in order, with the writer's origin.
func TestChangeLog(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			db.SetOrigin("replica-a")
			if err := db.PutEntities(ctx, []*callboard.StoredEntity{newEntity("a", ""), newEntity("b", "")}); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteEntities(ctx, []string{"component:default/a", "component:default/missing"}); err != nil {
				t.Fatal(err)
			}
			loc, err := db.CreateLocation(ctx, "url", "https://example.com/x.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteLocation(ctx, loc.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteLocation(ctx, loc.ID); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("deleting a deleted location: %v, want NotFound", err)
			}
			task, err := db.CreateTask(ctx, json.RawMessage(`{}`), "user:default/x", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := db.ClaimTask(ctx); err != nil || !ok {
				t.Fatalf("ClaimTask: %v %v", ok, err)
			}
			if err := db.FinishTask(ctx, task.ID, callboard.TaskCompleted, nil); err != nil {
				t.Fatal(err)
			}
			if err := db.AppendChanges(ctx, callboard.ChangeDocs, "component:default/b"); err != nil {
				t.Fatal(err)
			}
			got, err := db.Changes(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"entity component:default/a", "entity component:default/b",
				"entity component:default/a",
				"location " + loc.ID, "location " + loc.ID,
				"task " + task.ID, "task " + task.ID, "task " + task.ID,
				"docs component:default/b",
			}
			if len(got) != len(want) {
				t.Fatalf("change log has %d rows %v, want %d %v", len(got), got, len(want), want)
			}
			for i, c := range got {
				if s := c.Kind + " " + c.Key; s != want[i] {
					t.Errorf("row %d = %s, want %s", i, s, want[i])
				}
				if i > 0 && c.Seq <= got[i-1].Seq {
					t.Errorf("row %d: seq %d after %d", i, c.Seq, got[i-1].Seq)
				}
				if c.Origin != "replica-a" {
					t.Errorf("row %d: origin %q", i, c.Origin)
				}
				if d := time.Since(c.At); d < -time.Minute || d > time.Minute {
					t.Errorf("row %d: written at %s, not now", i, c.At)
				}
			}
			after, err := db.Changes(ctx, got[3].Seq, 2)
			if err != nil || len(after) != 2 || after[0].Seq != got[4].Seq {
				t.Errorf("Changes(after %d, 2) = %v, %v", got[3].Seq, after, err)
			}
			// Pruning everything keeps the newest row. The database's
			// clock must pass the last row's millisecond first.
			time.Sleep(5 * time.Millisecond)
			n, err := db.PruneChanges(ctx, 0)
			if err != nil || n != int64(len(want)-1) {
				t.Errorf("PruneChanges(0) = %d, %v; want %d", n, err, len(want)-1)
			}
			oldest, newest, now, err := db.ChangeBounds(ctx)
			if err != nil || oldest.Seq != got[len(got)-1].Seq || newest.Seq != oldest.Seq || now.IsZero() {
				t.Errorf("ChangeBounds after prune = %v, %v, %v, %v", oldest, newest, now, err)
			}
		})
	}
}

// TestChangeLogCommitOrder has writers append rows concurrently while a
// reader follows the log from the last seq it saw, as a replica does: it
// must see every row, so no row may become visible after a higher seq.
func TestChangeLogCommitOrder(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			const writers, each = 8, 40
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						if err := db.AppendChanges(ctx, callboard.ChangeDocs, fmt.Sprintf("w%d-%d", w, i)); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			seen := map[int64]bool{}
			var last int64
			follow := func() {
				cs, err := db.Changes(ctx, last, 50)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cs {
					seen[c.Seq] = true
					last = c.Seq
				}
			}
			for running := true; running; {
				select {
				case <-done:
					running = false
				default:
				}
				follow()
			}
			for before := int64(-1); before != last; {
				before = last
				follow()
			}
			all, err := db.Changes(ctx, 0, writers*each+10)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != writers*each {
				t.Fatalf("%d rows, want %d", len(all), writers*each)
			}
			for _, c := range all {
				if !seen[c.Seq] {
					t.Errorf("the follower skipped seq %d: it became visible after a higher one", c.Seq)
				}
			}
		})
	}
}

// TestListenChanges checks that a commit on one connection wakes a
// listener on another (PostgreSQL), and that SQLite's returns when ctx ends.
func TestListenChanges(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			driver, dsn := b.DSN(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			writer, err := store.Open(ctx, driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer writer.Close()
			reader, err := store.Open(ctx, driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer reader.Close()
			woken := make(chan struct{}, 16)
			stopped := make(chan error, 1)
			go func() {
				stopped <- reader.ListenChanges(ctx, func() {
					select {
					case woken <- struct{}{}:
					default:
					}
				})
			}()
			if b.Name == "postgres" {
				<-woken // connected
				if err := writer.AppendChanges(ctx, callboard.ChangeDocs, "x"); err != nil {
					t.Fatal(err)
				}
				select {
				case <-woken:
				case <-time.After(10 * time.Second):
					t.Fatal("no notification 10 s after a commit")
				}
			}
			cancel()
			if err := <-stopped; err != nil {
				t.Errorf("ListenChanges = %v after ctx ended, want nil", err)
			}
		})
	}
}
