package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

// TestIDPStore: active users are counted distinct per month and survive
// closing the month as a count; snapshots replace by day.
func TestIDPStore(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			users := func(month string) int {
				t.Helper()
				n, err := db.ActiveUsers(ctx, month)
				must(err)
				return n
			}
			// October: 30 visits by 7 distinct users; November: 2 users.
			for i := range 30 {
				must(db.RecordActiveUser(ctx, "2026-10", fmt.Sprintf("h%d", i%7)))
			}
			must(db.RecordActiveUser(ctx, "2026-11", "h0"))
			must(db.RecordActiveUser(ctx, "2026-11", "h9"))
			if got := users("2026-10"); got != 7 {
				t.Errorf("October before closing = %d, want 7", got)
			}
			must(db.CloseIDPMonths(ctx, "2026-11"))
			if got := users("2026-10"); got != 7 {
				t.Errorf("October closed = %d, want 7", got)
			}
			if got := users("2026-11"); got != 2 {
				t.Errorf("November (open) = %d, want 2", got)
			}
			// A late row for a closed month adds to its count when closed again.
			must(db.RecordActiveUser(ctx, "2026-10", "late"))
			must(db.CloseIDPMonths(ctx, "2026-11"))
			if got := users("2026-10"); got != 8 {
				t.Errorf("October after a late user = %d, want 8", got)
			}
			if got := users("2026-09"); got != 0 {
				t.Errorf("a month without users = %d", got)
			}
			if err := db.RecordActiveUser(ctx, "", "h"); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("no month: %v, want Invalid", err)
			}

			must(db.PutIDPSnapshot(ctx, "2026-11-02", json.RawMessage(`{"a":1}`)))
			must(db.PutIDPSnapshot(ctx, "2026-11-01", json.RawMessage(`{"a":0}`)))
			must(db.PutIDPSnapshot(ctx, "2026-11-02", json.RawMessage(`{"a":2}`)))
			must(db.PutIDPSnapshot(ctx, "2026-10-01", json.RawMessage(`{"a":-1}`)))
			snaps, err := db.IDPSnapshots(ctx, "2026-11-01")
			must(err)
			if len(snaps) != 2 || snaps[0].Day != "2026-11-01" || snaps[1].Day != "2026-11-02" || string(snaps[1].Body) != `{"a":2}` {
				t.Errorf("snapshots = %+v", snaps)
			}
			if err := db.PutIDPSnapshot(ctx, "2026-11-03", json.RawMessage(`{`)); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("bad JSON: %v, want Invalid", err)
			}
		})
	}
}

// TestSourceReads keeps the latest read of each file.
func TestSourceReads(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			if err := db.PutSourceReads(ctx, map[string]time.Time{"url:a": t0, "url:b": t0}); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSourceReads(ctx, map[string]time.Time{"url:a": t0.Add(time.Hour), "url:b": t0.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			got, err := db.SourceReads(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got["url:a"].Equal(t0.Add(time.Hour)) || !got["url:b"].Equal(t0) {
				t.Errorf("source reads = %v (a later read wins, an older one is ignored)", got)
			}
		})
	}
}
